import Foundation

/// A duration in seconds with one decimal, as the benchmarks print it.
func seconds(_ duration: Duration) -> String {
    String(format: "%.1f", duration / .seconds(1))
}

/// A duration in whole milliseconds.
func milliseconds(_ duration: Duration) -> String {
    String(Int((duration / .milliseconds(1)).rounded()))
}

/// Megabytes, whole; a dash when unknown.
func megabytes(_ value: Double?) -> String {
    value.map { String(Int($0.rounded())) } ?? "—"
}
