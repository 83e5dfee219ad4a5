import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain socket, for timing the reporting service's HTTP:
/// one `GET` per connection (`Connection: close`), the body read in 1 MB chunks and counted
/// as it arrives (bytes, and one byte's occurrences, to count rows without keeping hundreds
/// of megabytes), kept only when asked. Blocking: call it from a task that may block.
struct HTTPProbe {
    var host = "127.0.0.1"
    var port: Int

    struct Response {
        var status: Int
        var bodyBytes: Int
        /// How often the counted byte occurs in the body.
        var occurrences: Int
        /// From connecting to the first byte of the response: the server's work.
        var firstByte: Duration
        /// From connecting to the last byte of the body.
        var total: Duration
        /// The body, when kept.
        var body: [UInt8]?
    }

    /// `GET path`; counts `count` in the body and keeps the body when `keepBody`.
    func get(_ path: String, counting count: UInt8 = UInt8(ascii: "\n"), keepBody: Bool = false) throws -> Response {
        let started = ContinuousClock.now
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError("socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchmarkError("connect to \(host):\(port): \(String(cString: strerror(errno)))") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
        var written = 0
        while written < request.count {
            let n = request[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchmarkError("write to \(host):\(port): \(String(cString: strerror(errno)))") }
            written += n
        }

        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var head: [UInt8] = []
        var status = 0
        var contentLength: Int?
        var bodyBytes = 0
        var occurrences = 0
        var body: [UInt8]? = keepBody ? [] : nil
        var firstByte: Duration?
        var chunks: ChunkedDecoder?
        // The body's bytes as they arrive (a chunked body without its framing).
        func take(_ bytes: ArraySlice<UInt8>) {
            bodyBytes += bytes.count
            occurrences += bytes.reduce(0) { $0 + ($1 == count ? 1 : 0) }
            body?.append(contentsOf: bytes)
        }
        while contentLength.map({ bodyBytes < $0 }) ?? true, chunks?.finished != true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw BenchmarkError("read from \(host):\(port): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            if firstByte == nil { firstByte = .now - started }
            if status == 0 {
                // Still in the head: look for its end.
                head.append(contentsOf: buffer[0..<n])
                guard let end = Self.endOfHead(head) else { continue }
                let parsed = try Self.parseHead(head[..<end])
                (status, contentLength) = (parsed.status, parsed.contentLength)
                if parsed.chunked { chunks = ChunkedDecoder() }
                let rest = Array(head[(end + 4)...])
                head = []
                if var decoder = chunks {
                    try decoder.feed(rest[...], take)
                    chunks = decoder
                } else {
                    take(rest[...])
                }
                continue
            }
            if var decoder = chunks {
                try decoder.feed(buffer[0..<n], take)
                chunks = decoder
                continue
            }
            bodyBytes += n
            occurrences += buffer.withUnsafeBytes { Self.occurrences(of: count, in: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            body?.append(contentsOf: buffer[0..<n])
        }
        guard status != 0 else { throw BenchmarkError("no HTTP response to GET \(path)") }
        if let contentLength, bodyBytes < contentLength {
            throw BenchmarkError("GET \(path): the body ended after \(bodyBytes) of \(contentLength) bytes")
        }
        return Response(
            status: status, bodyBytes: bodyBytes, occurrences: occurrences, firstByte: firstByte ?? .zero, total: .now - started,
            body: body)
    }

    /// The body of `GET path` as text, failing unless the status is 200.
    func text(_ path: String) throws -> String {
        let response = try get(path, keepBody: true)
        let text = String(decoding: response.body ?? [], as: UTF8.self)
        guard response.status == 200 else { throw BenchmarkError("GET \(path): HTTP \(response.status): \(text.prefix(300))") }
        return text
    }

    private static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) throws -> (status: Int, contentLength: Int?, chunked: Bool) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n")
        guard let first = lines.first, first.hasPrefix("HTTP/1."), let status = Int(first.split(separator: " ").dropFirst().first ?? "")
        else { throw BenchmarkError("not an HTTP response: \(lines.first ?? "")") }
        var contentLength: Int?
        var chunked = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased()
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { contentLength = Int(value) }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        return (status, contentLength, chunked)
    }

    private static func occurrences(of byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Int {
        guard var cursor = bytes.baseAddress else { return 0 }
        let end = cursor + bytes.count
        var found = 0
        while cursor < end, let hit = memchr(cursor, Int32(byte), end - cursor) {
            found += 1
            cursor = UnsafeRawPointer(hit) + 1
        }
        return found
    }
}

/// The framing of a chunked HTTP/1.1 body (`size CRLF data CRLF`… `0 CRLF CRLF`), removed as
/// the bytes arrive; the data goes to the caller.
private struct ChunkedDecoder {
    /// Bytes of the current chunk's data still to come; nil while reading a size line.
    private var remaining: Int?
    private var line: [UInt8] = []
    /// The CRLF after a chunk's data still to skip.
    private var trailer = 0
    private(set) var finished = false

    mutating func feed(_ bytes: ArraySlice<UInt8>, _ take: (ArraySlice<UInt8>) -> Void) throws {
        var index = bytes.startIndex
        while index < bytes.endIndex, !finished {
            if trailer > 0 {
                trailer -= 1
                index += 1
            } else if let left = remaining {
                let end = min(bytes.endIndex, index + left)
                take(bytes[index..<end])
                remaining = left - (end - index) == 0 ? nil : left - (end - index)
                if remaining == nil { trailer = 2 }
                index = end
            } else {
                let byte = bytes[index]
                index += 1
                guard byte == 10 else {
                    if byte != 13 { line.append(byte) }
                    continue
                }
                let text = String(decoding: line, as: UTF8.self).split(separator: ";").first ?? ""
                line = []
                guard let size = Int(text.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw BenchmarkError("a chunk size that is not hexadecimal: '\(text)'")
                }
                if size == 0 { finished = true } else { remaining = size }
            }
        }
    }
}
