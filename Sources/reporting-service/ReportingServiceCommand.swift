import ReportingService

/// `reporting-service`: live reports, the wall-board and history. `--help` lists the options.
@main
enum ReportingServiceCommand {
    static func main() async {}
}
