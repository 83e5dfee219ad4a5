import Foundation

/// What `cc-bench reporting` measured, as its two tables.
struct ReportingFigures {
    var messages: Int
    var raw: ReportingReplay.Run
    var rawBrokerCPU: Duration?
    var ingest: ReportingReplay.Run
    var brokerCPU: Duration?
    /// Every process's CPU time over each run, from /proc/stat.
    var rawMachineCPU: Duration?
    var machineCPU: Duration?
    var counters: ReportingCounters
    /// From every message applied until the queue figures of the day showed them all (the last
    /// batch stored); nil when they did not.
    var stored: Duration?
    var serviceCPU: Duration?
    var memoryAfterIngest: ServiceUnderBench.Memory?
    var databaseAfterIngest: Int
    var queries: HistoryQueries.Result
    var queryCPU: Duration?
    var memoryAfterQueries: ServiceUnderBench.Memory?
    var databaseAfterQueries: Int
    /// Starts of the service it took to have one online.
    var attempts: Int

    var ingestionTable: TextTable {
        var table = TextTable(["figure", "raw broker", "reporting service", "ratio"])
        func number(_ value: Int) -> String { value.formatted(.number.grouping(.automatic)) }
        func seconds(_ value: Duration?) -> String { value.map(Format.seconds) ?? "—" }
        table.append(["messages sent", number(raw.sent), number(ingest.sent), ""])
        table.append(["messages received / settled", number(raw.settled), number(ingest.settled), ""])
        table.append([
            "  applied + ignored (rejected)", "", "\(number(counters.appliedTotal + counters.ignoredTotal)) (\(counters.rejectedTotal))", "",
        ])
        table.append(["  ignored", "", number(counters.ignoredTotal), ""])
        table.append([
            "messages/s ingested", number(Int(raw.rate)), number(Int(ingest.rate)), String(format: "%.2f", ingest.rate / raw.rate),
        ])
        table.append([
            "ingestion time (s)", seconds(raw.elapsed), seconds(ingest.elapsed),
            String(format: "%.2f", ingest.elapsed / raw.elapsed),
        ])
        table.append(["  then until in the history (ms)", "", stored.map(Format.milliseconds) ?? "not in time", ""])
        table.append(["  publishing alone (s)", seconds(raw.publishing), seconds(ingest.publishing), ""])
        table.append(["broker CPU (s)", seconds(rawBrokerCPU), seconds(brokerCPU), ""])
        table.append(["bench CPU (s)", seconds(raw.benchCPU), seconds(ingest.benchCPU), ""])
        table.append(["service CPU (s)", "", seconds(serviceCPU), ""])
        // What the machine's other processes used meanwhile: the figures are only as good as this is small.
        let rawOthers = rawMachineCPU.flatMap { machine in rawBrokerCPU.map { max(.zero, machine - $0 - raw.benchCPU) } }
        let othersDuringIngest = machineCPU.flatMap { machine in
            brokerCPU.flatMap { broker in serviceCPU.map { max(.zero, machine - broker - $0 - ingest.benchCPU) } }
        }
        table.append(["other processes' CPU (s)", seconds(rawOthers), seconds(othersDuringIngest), ""])
        if let serviceCPU {
            table.append(["  service CPU per message (µs)", "", String(Int((serviceCPU / .microseconds(1)) / Double(max(1, ingest.settled)))), ""])
            table.append(["  service cores busy", "", String(format: "%.2f", serviceCPU / ingest.elapsed), ""])
        }
        table.append(["service resident after ingestion (MB)", "", Format.megabytes(memoryAfterIngest?.resident), ""])
        table.append(["database after ingestion (MB)", "", Format.megabytes(databaseAfterIngest), ""])
        table.append(["service CPU over the queries (s)", "", seconds(queryCPU), ""])
        table.append(["service peak resident (MB)", "", Format.megabytes(memoryAfterQueries?.peak), ""])
        table.append(["database after the queries (MB)", "", Format.megabytes(databaseAfterQueries), ""])
        return table
    }

    var queryTable: TextTable {
        var table = TextTable(["query", "HTTP", "rows", "body (MB)", "first byte (ms)", "total (ms)", "MB/s", "rows/s"])
        for timing in queries.timings {
            let totalSeconds = timing.total / .seconds(1)
            table.append([
                timing.name, String(timing.status), String(timing.rows), Format.megabytes(timing.bodyBytes),
                Format.milliseconds(timing.firstByte), Format.milliseconds(timing.total),
                String(format: "%.0f", Double(timing.bodyBytes) / 1_000_000 / totalSeconds),
                String(Int(Double(timing.rows) / totalSeconds)),
            ])
        }
        return table
    }
}

/// How the reporting benchmark writes its figures.
enum Format {
    /// Prints a progress line at once, also into a pipe or a file.
    static func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", duration / .seconds(1))
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(Int((duration / .milliseconds(1)).rounded()))
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f", Double(bytes) / 1_000_000)
    }

    static func megabytes(_ value: Double?) -> String {
        value.map { String(Int($0.rounded())) } ?? "—"
    }
}
