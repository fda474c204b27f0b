import Codecs
import GuestPipeCore
import Grouping
import Ingest

/// A file's compact payments as bytes for the state store: entries as their raw memory
/// (`LedgerEntry` holds no references), the key arena, the string pool and the rejected rows,
/// zstd-compressed. The layout is tied to this build's `LedgerEntry`; a state written by a
/// build with another layout asks for `--rebuild`.
enum BatchArchive {
    static let magic: [UInt8] = Array("GPBATCH1".utf8)

    static func encode(_ batch: PaymentBatch) throws -> [UInt8] {
        var out = ByteWriter()
        out.bytes(magic)
        out.u64(UInt64(MemoryLayout<LedgerEntry>.stride))
        out.u64(UInt64(batch.entries.count))
        batch.entries.withUnsafeBytes { out.bytes(Array($0)) }
        out.u64(UInt64(batch.keys.count))
        out.bytes(batch.keys)
        out.u64(UInt64(batch.pool.count))
        for id in 0..<batch.pool.count {
            batch.pool.withBytes(UInt32(id)) { out.lengthPrefixed($0) }
        }
        out.u64(UInt64(batch.rejections.count))
        for rejection in batch.rejections {
            out.string(rejection.location.file)
            out.u64(rejection.location.line)
            out.u64(rejection.location.record)
            out.string(rejection.location.column ?? "")
            out.string(rejection.reason.rawValue)
            out.string(rejection.message)
            out.u64(UInt64(rejection.fields.count))
            for field in rejection.fields { out.string(field) }
        }
        return try ZstdBuffer.compress(out.data, level: 1)
    }

    static func decode(_ compressed: [UInt8], report: FileReport) throws -> PaymentBatch {
        let bytes = try ZstdBuffer.decompress(compressed, name: "state archive of \(report.path)")
        var reader = ByteReader(bytes: bytes, name: report.path)
        guard try reader.bytes(magic.count) == magic else { throw reader.corrupt("unknown archive format") }
        guard try reader.u64() == UInt64(MemoryLayout<LedgerEntry>.stride) else {
            throw GuestPipeError(.configuration, "the state was written by a guestpipe build with another record layout",
                                 fix: "run once with --rebuild to re-read the exports", at: SourceLocation(file: report.path))
        }
        let count = Int(try reader.u64())
        let raw = try reader.bytes(count * MemoryLayout<LedgerEntry>.stride)
        var entries = [LedgerEntry](repeating: LedgerEntry(), count: count)
        entries.withUnsafeMutableBytes { destination in
            raw.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
        let keys = try reader.bytes(Int(try reader.u64()))
        let stringCount = Int(try reader.u64())
        let pool = StringPool()
        // Stored in id order (id 0 is the empty string); values may repeat (see StringPool.append).
        for index in 0..<stringCount {
            let stored = try reader.lengthPrefixed { pool.append(bytes: $0) }
            guard stored == UInt32(index) else { throw reader.corrupt("empty string out of place") }
        }
        let rejectionCount = Int(try reader.u64())
        var rejections: [Rejection] = []
        for _ in 0..<rejectionCount {
            let file = try reader.string(), line = try reader.u64(), record = try reader.u64(), column = try reader.string()
            let reason = Rejection.Reason(rawValue: try reader.string()) ?? .fieldCount
            let message = try reader.string()
            var fields: [String] = []
            for _ in 0..<Int(try reader.u64()) { fields.append(try reader.string()) }
            rejections.append(Rejection(location: SourceLocation(file: file, line: line, record: record, column: column.isEmpty ? nil : column),
                                        reason: reason, message: message, fields: fields))
        }
        return PaymentBatch(report: report, entries: entries, keys: keys, pool: pool, rejections: rejections)
    }
}

struct ByteWriter {
    var data: [UInt8] = []
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    mutating func bytes(_ value: [UInt8]) { data.append(contentsOf: value) }
    mutating func string(_ value: String) {
        u64(UInt64(value.utf8.count))
        data.append(contentsOf: value.utf8)
    }
    mutating func lengthPrefixed(_ value: UnsafeBufferPointer<UInt8>) {
        u64(UInt64(value.count))
        data.append(contentsOf: value)
    }
}

struct ByteReader {
    let bytes: [UInt8]
    let name: String
    var offset = 0

    func corrupt(_ why: String) -> GuestPipeError {
        GuestPipeError(.corruptInput, "the state archive is damaged (\(why))", fix: "run with --rebuild to re-read the exports",
                       at: SourceLocation(file: name))
    }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else { throw corrupt("truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func u64() throws -> UInt64 {
        guard offset + 8 <= bytes.count else { throw corrupt("truncated") }
        defer { offset += 8 }
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }

    /// Calls `body` with the next length-prefixed value's bytes, without copying them.
    mutating func lengthPrefixed<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let count = Int(try u64())
        guard count >= 0, offset + count <= bytes.count else { throw corrupt("truncated") }
        let start = offset
        offset += count
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<start + count])) }
    }

    mutating func string() throws -> String {
        String(decoding: try bytes(Int(try u64())), as: UTF8.self)
    }
}
