/// A plain-text table: a header line, then one line per row, each column as wide as its
/// widest cell, columns two spaces apart, no trailing spaces.
public struct TextTable: Sendable, Hashable {
    public enum Alignment: Sendable, Hashable {
        case left
        case right
    }

    public var header: [String]
    public var alignments: [Alignment]
    public var rows: [[String]] = []

    /// A table with `header`; every column left-aligned unless `alignments` says otherwise.
    public init(_ header: [String], alignments: [Alignment]? = nil) {
        self.header = header
        self.alignments = alignments ?? Array(repeating: .left, count: header.count)
    }

    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table's lines.
    public var lines: [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in
            all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        return all.map { row in
            var line = header.indices.map { column in
                let cell = row.indices.contains(column) ? row[column] : ""
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return alignments[column] == .left ? cell + padding : padding + cell
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
