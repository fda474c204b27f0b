import GuestPipeCore

/// The rejected rows of one export, held so that memory grows with their compressed size, not
/// with their text: each rejection is serialised at once and packed into zstd-compressed
/// chunks of about 1 MiB. A file that is nothing but rejects therefore costs a fraction of its
/// size, and the run can still list every rejected row in `rejects.csv`.
public final class RejectLog {
    /// Uncompressed bytes gathered before a chunk is compressed.
    static let chunkBytes = 1 << 20

    public private(set) var count = 0
    private var chunks: [[UInt8]] = []
    private var pending = ByteWriter()

    public init() {}

    /// Keeps one rejection.
    public func append(_ rejection: Rejection) throws {
        count += 1
        pending.string(rejection.location.file)
        pending.u64(rejection.location.line)
        pending.u64(rejection.location.record)
        pending.string(rejection.location.column ?? "")
        pending.string(rejection.reason.rawValue)
        pending.string(rejection.message)
        pending.u64(UInt64(rejection.fields.count))
        for field in rejection.fields { pending.string(field) }
        if pending.data.count >= RejectLog.chunkBytes { try seal() }
    }

    private func seal() throws {
        guard !pending.data.isEmpty else { return }
        chunks.append(try ZstdBuffer.compress(pending.data, level: 1))
        pending = ByteWriter()
    }

    /// Every rejection in the order it was appended.
    public func forEach(_ body: (Rejection) throws -> Void) throws {
        try seal()
        for chunk in chunks {
            var reader = ByteReader(bytes: try ZstdBuffer.decompress(chunk, name: "rejected rows"), name: "rejected rows")
            while !reader.isAtEnd { try body(try reader.rejection()) }
        }
    }

    /// The first `limit` rejections (for messages and tests).
    public func first(_ limit: Int) throws -> [Rejection] {
        var result: [Rejection] = []
        try forEach { if result.count < limit { result.append($0) } }
        return result
    }

    /// The log as bytes (for the state), and back.
    public func encoded() throws -> [UInt8] {
        try seal()
        var out = ByteWriter()
        out.u64(UInt64(count))
        out.u64(UInt64(chunks.count))
        for chunk in chunks { out.string(chunk) }
        return out.data
    }

    public init(decoding reader: inout ByteReader) throws {
        count = Int(clamping: try reader.u64())
        let chunkCount = try reader.u64()
        guard chunkCount <= UInt64(reader.remaining) else { throw reader.corrupt("rejected rows") }
        for _ in 0..<chunkCount { chunks.append(try reader.bytes(Int(try reader.length()))) }
        var counted = 0
        try forEach { _ in counted += 1 }
        guard counted == count else { throw reader.corrupt("rejected rows") }
    }
}

/// Little-endian serialisation of plain values (state archives, reject logs).
public struct ByteWriter {
    public var data: [UInt8] = []
    public init() {}
    public mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    public mutating func bytes(_ value: [UInt8]) { data.append(contentsOf: value) }
    public mutating func string(_ value: String) {
        u64(UInt64(value.utf8.count))
        data.append(contentsOf: value.utf8)
    }
    public mutating func string(_ value: [UInt8]) {
        u64(UInt64(value.count))
        data.append(contentsOf: value)
    }
    public mutating func lengthPrefixed(_ value: UnsafeBufferPointer<UInt8>) {
        u64(UInt64(value.count))
        data.append(contentsOf: value)
    }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked, and damage is an error naming
/// the file the bytes belong to, never a trap.
public struct ByteReader {
    public let bytes: [UInt8]
    public let name: String
    public private(set) var offset = 0

    public init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    public var isAtEnd: Bool { offset == bytes.count }
    public var remaining: Int { bytes.count - offset }

    public func corrupt(_ what: String) -> GuestPipeError {
        GuestPipeError(.corruptInput, "the state's copy of this export is damaged (\(what))",
                       fix: "run once with --rebuild to read the exports again", at: SourceLocation(file: name))
    }

    public mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw corrupt("truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func u64() throws -> UInt64 {
        guard remaining >= 8 else { throw corrupt("truncated") }
        defer { offset += 8 }
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }

    /// A length that must fit in what is left.
    public mutating func length() throws -> Int {
        let value = try u64()
        guard value <= UInt64(remaining) else { throw corrupt("truncated") }
        return Int(value)
    }

    /// Calls `body` with the next length-prefixed value's bytes, without copying them.
    public mutating func lengthPrefixed<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let count = try length()
        let start = offset
        offset += count
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<start + count])) }
    }

    /// Calls `body` with the next `count` bytes, without copying them.
    public mutating func raw<R>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard count >= 0, count <= remaining else { throw corrupt("truncated") }
        let start = offset
        offset += count
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<start + count])) }
    }

    public mutating func string() throws -> String {
        String(decoding: try bytes(try length()), as: UTF8.self)
    }

    mutating func rejection() throws -> Rejection {
        let file = try string(), line = try u64(), record = try u64(), column = try string()
        guard let reason = Rejection.Reason(rawValue: try string()) else { throw corrupt("rejected rows") }
        let message = try string()
        let fieldCount = try u64()
        guard fieldCount <= UInt64(remaining / 8) else { throw corrupt("rejected rows") }
        var fields: [String] = []
        for _ in 0..<fieldCount { fields.append(try string()) }
        return Rejection(location: SourceLocation(file: file, line: line, record: record, column: column.isEmpty ? nil : column),
                         reason: reason, message: message, fields: fields)
    }
}
