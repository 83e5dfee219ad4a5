/// A plain-text table for a benchmark's figures: a header line, then one line per row,
/// each column as wide as its widest cell.
struct TextTable {
    enum Alignment {
        case left
        case right
    }

    var header: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    /// A table with `header`; the first column is left-aligned, the others right-aligned,
    /// unless `alignments` says otherwise.
    init(_ header: [String], alignments: [Alignment]? = nil) {
        self.header = header
        self.alignments = alignments ?? [.left] + Array(repeating: .right, count: max(0, header.count - 1))
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table's lines, columns separated by two spaces.
    var lines: [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            header.indices.map { column in
                let cell = row.indices.contains(column) ? row[column] : ""
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return alignments[column] == .left ? cell + padding : padding + cell
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
