import ArgumentParser

/// `cc-bench`: the project's benchmarks. Each prints its figures beside a raw baseline
/// measured in the same run, so a figure is read as a ratio, not as an absolute.
@main
struct CCBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cc-bench",
        abstract: "Benchmarks of the contact-centre core, each against a raw baseline in the same run.",
        subcommands: [MQTTBenchmark.self, StatusBenchmark.self, DispatchBenchmark.self, EndToEndBenchmark.self, ReportingBenchmark.self]
    )
}
