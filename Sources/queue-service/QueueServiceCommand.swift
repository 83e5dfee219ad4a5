import QueueService
import ServiceKit

/// `queue-service`: a queue worker. `--help` lists the options.
@main
enum QueueServiceCommand {
    static func main() async {
        await ServiceMain.run(
            name: "queue-service",
            summary: "distributes the calls of the queues its shard owns (DESIGN section 3).",
            options: QueueServiceSettings.options,
            persistentSession: true,
            sessionClientID: "queue-service-shard-I",
            build: QueueService.makeServices)
    }
}
