import Foundation
public import GRDB

/// The statements of one transaction, as a ``Journal`` keeps them: each is an index into
/// the store's fixed list of SQL statements and the values bound to it.
///
/// A batch is its own redo record: running its statements again, in order, in one
/// transaction, writes what the service decided. Text and blobs keep their exact bytes.
public struct JournalBatch: Sendable, Equatable {
    public struct Statement: Sendable, Equatable {
        /// The position of the SQL in the list the store gave its ``Journal``.
        public var index: Int
        public var arguments: [DatabaseValue]
    }

    public private(set) var statements: [Statement] = []

    public init() {}

    public var isEmpty: Bool { statements.isEmpty }

    /// Adds the statement at `index` of the store's list, with its arguments.
    public mutating func add(_ index: Int, _ arguments: [DatabaseValue]) {
        statements.append(Statement(index: index, arguments: arguments))
    }
}

// MARK: Bytes

/// The body of a journal entry: the statement count, then each statement's index, argument
/// count and arguments, each a tag byte and its value. Integers are little-endian.
extension JournalBatch {
    private enum Tag: UInt8 {
        case null = 0, integer, real, text, blob
    }

    func write(to bytes: inout [UInt8]) {
        bytes.appendInteger(UInt32(statements.count))
        for statement in statements {
            bytes.appendInteger(UInt16(statement.index))
            bytes.appendInteger(UInt16(statement.arguments.count))
            for value in statement.arguments {
                switch value.storage {
                case .null:
                    bytes.append(Tag.null.rawValue)
                case .int64(let integer):
                    bytes.append(Tag.integer.rawValue)
                    bytes.appendInteger(UInt64(bitPattern: integer))
                case .double(let real):
                    bytes.append(Tag.real.rawValue)
                    bytes.appendInteger(real.bitPattern)
                case .string(let text):
                    bytes.append(Tag.text.rawValue)
                    var text = text
                    text.withUTF8 { utf8 in
                        bytes.appendInteger(UInt32(utf8.count))
                        bytes.append(contentsOf: utf8)
                    }
                case .blob(let data):
                    bytes.append(Tag.blob.rawValue)
                    bytes.appendInteger(UInt32(data.count))
                    bytes.append(contentsOf: data)
                }
            }
        }
    }

    /// Reads a body written by ``write(to:)``; `nil` when it is not one.
    init?(reading reader: inout ByteReader) {
        guard let count = reader.integer(UInt32.self) else { return nil }
        for _ in 0..<count {
            guard let index = reader.integer(UInt16.self), let arguments = reader.integer(UInt16.self) else { return nil }
            var values: [DatabaseValue] = []
            values.reserveCapacity(Int(arguments))
            for _ in 0..<arguments {
                guard let tag = reader.byte().flatMap(Tag.init(rawValue:)) else { return nil }
                switch tag {
                case .null:
                    values.append(.null)
                case .integer:
                    guard let bits = reader.integer(UInt64.self) else { return nil }
                    values.append(Int64(bitPattern: bits).databaseValue)
                case .real:
                    guard let bits = reader.integer(UInt64.self) else { return nil }
                    values.append(Double(bitPattern: bits).databaseValue)
                case .text:
                    guard let length = reader.integer(UInt32.self), let utf8 = reader.bytes(Int(length)) else { return nil }
                    values.append(String(decoding: utf8, as: UTF8.self).databaseValue)
                case .blob:
                    guard let length = reader.integer(UInt32.self), let blob = reader.bytes(Int(length)) else { return nil }
                    values.append(Data(blob).databaseValue)
                }
            }
            add(Int(index), values)
        }
    }
}

extension [UInt8] {
    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// Reads little-endian integers and byte runs from the front of a buffer.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var isAtEnd: Bool { position == bytes.endIndex }

    mutating func byte() -> UInt8? {
        guard position < bytes.endIndex else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard bytes.endIndex - position >= size else { return nil }
        var value: T = 0
        for offset in 0..<size { value |= T(bytes[position + offset]) << (8 * offset) }
        position += size
        return value
    }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.endIndex - position >= count else { return nil }
        defer { position += count }
        return bytes[position..<position + count]
    }
}
