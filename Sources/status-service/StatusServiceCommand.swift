import ServiceKit
import StatusService

/// `status-service`: the single writer of agent state. `--help` lists the options.
@main
enum StatusServiceCommand {
    static func main() async {
        await ServiceMain.run(
            name: "status-service",
            summary: "the single writer of agent state: presence, activity, reservations (DESIGN section 2).",
            options: StatusServiceSettings.options,
            persistentSession: true,
            build: StatusService.makeServices)
    }
}
