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
    /// What the machine's other processes used over the queries (neither the service nor the bench).
    var othersDuringQueries: Duration?
    var memoryAfterQueries: ServiceUnderBench.Memory?
    var databaseAfterQueries: Int
    /// Starts of the service it took to have one online.
    var attempts: Int

    var ingestionTable: TextTable {
        var table = TextTable(["figure", "raw broker", "reporting service", "ratio"])
        func number(_ value: Int) -> String { value.formatted(.number.grouping(.automatic)) }
        func secondsOrDash(_ value: Duration?) -> String { value.map { seconds($0) } ?? "—" }
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
            "ingestion time (s)", secondsOrDash(raw.elapsed), secondsOrDash(ingest.elapsed),
            String(format: "%.2f", ingest.elapsed / raw.elapsed),
        ])
        table.append(["  then until in the history (ms)", "", stored.map(milliseconds) ?? "not in time", ""])
        table.append(["  publishing alone (s)", secondsOrDash(raw.publishing), secondsOrDash(ingest.publishing), ""])
        table.append(["broker CPU (s)", secondsOrDash(rawBrokerCPU), secondsOrDash(brokerCPU), ""])
        table.append(["bench CPU (s)", secondsOrDash(raw.benchCPU), secondsOrDash(ingest.benchCPU), ""])
        table.append(["service CPU (s)", "", secondsOrDash(serviceCPU), ""])
        // What the machine's other processes used meanwhile: the figures are only as good as this is small.
        let rawOthers = rawMachineCPU.flatMap { machine in rawBrokerCPU.map { max(.zero, machine - $0 - raw.benchCPU) } }
        let othersDuringIngest = machineCPU.flatMap { machine in
            brokerCPU.flatMap { broker in serviceCPU.map { max(.zero, machine - broker - $0 - ingest.benchCPU) } }
        }
        table.append(["other processes' CPU (s)", secondsOrDash(rawOthers), secondsOrDash(othersDuringIngest), ""])
        if let serviceCPU {
            table.append(["  service CPU per message (µs)", "", String(Int((serviceCPU / .microseconds(1)) / Double(max(1, ingest.settled)))), ""])
            table.append(["  service cores busy", "", String(format: "%.2f", serviceCPU / ingest.elapsed), ""])
        }
        table.append(["service resident after ingestion (MB)", "", megabytes(memoryAfterIngest?.resident), ""])
        table.append(["database after ingestion (MB)", "", Format.megabytes(bytes: databaseAfterIngest), ""])
        table.append(["service CPU over the queries (s)", "", secondsOrDash(queryCPU), ""])
        table.append(["other processes' CPU over the queries (s)", "", secondsOrDash(othersDuringQueries), ""])
        table.append(["service peak resident (MB)", "", megabytes(memoryAfterQueries?.peak), ""])
        table.append(["database after the queries (MB)", "", Format.megabytes(bytes: databaseAfterQueries), ""])
        return table
    }

    var queryTable: TextTable {
        var table = TextTable(["query", "HTTP", "rows", "body (MB)", "first byte (ms)", "total (ms)", "MB/s", "rows/s"])
        for timing in queries.timings {
            let totalSeconds = timing.total / .seconds(1)
            table.append([
                timing.name, String(timing.status), String(timing.rows), Format.megabytes(bytes: timing.bodyBytes),
                milliseconds(timing.firstByte), milliseconds(timing.total),
                String(format: "%.0f", Double(timing.bodyBytes) / 1_000_000 / totalSeconds),
                String(Int(Double(timing.rows) / totalSeconds)),
            ])
        }
        return table
    }
}

/// What the reporting benchmark prints beside the shared formatting (Formatting.swift).
enum Format {
    /// Prints a progress line at once, also into a pipe or a file.
    static func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// Bytes as megabytes (10⁶) with one decimal.
    static func megabytes(bytes: Int) -> String {
        String(format: "%.1f", Double(bytes) / 1_000_000)
    }
}
