import ReportingService
import ServiceKit

/// `reporting-service`: live reports, the wall-board and history. `--help` lists the options.
@main
enum ReportingServiceCommand {
    static func main() async {
        await ServiceMain.run(
            name: "reporting-service",
            summary: "live reports, the wall-board at / and history per interval (DESIGN section 5).",
            options: ReportingServiceSettings.options,
            persistentSession: true,
            build: ReportingService.makeServices)
    }
}
