import Codecs
import GuestPipeCore
import Grouping
import Ingest

/// A file's compact payments as bytes for the state store: entries as their raw memory
/// (`LedgerEntry` holds no references), the key arena, the string pool and the rejected rows,
/// zstd-compressed. The layout is tied to this build's `LedgerEntry`; a state written by a
/// build with another layout asks for `--rebuild`. Decoding checks every count, offset,
/// pool reference and enum tag, so damaged bytes are an error, never a trap; the state also
/// keeps a SHA-256 of each archive (`StateStore`), so damage is caught before decoding.
enum BatchArchive {
    static let magic: [UInt8] = Array("GPBATCH2".utf8)

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
        out.bytes(try batch.rejections.encoded())
        return try ZstdBuffer.compress(out.data, level: 1)
    }

    static func decode(_ compressed: [UInt8], report: FileReport) throws -> PaymentBatch {
        let bytes: [UInt8]
        do {
            bytes = try ZstdBuffer.decompress(compressed, name: report.path)
        } catch {
            throw ByteReader(bytes: [], name: report.path).corrupt("not a valid zstd archive")
        }
        return try decode(decompressed: bytes, report: report)
    }

    static func decode(decompressed bytes: [UInt8], report: FileReport) throws -> PaymentBatch {
        var reader = ByteReader(bytes: bytes, name: report.path)
        guard try reader.bytes(magic.count) == magic else { throw reader.corrupt("unknown archive format") }
        guard try reader.u64() == UInt64(MemoryLayout<LedgerEntry>.stride) else {
            throw GuestPipeError(.configuration, "the state was written by a guestpipe build with another record layout",
                                 fix: "run once with --rebuild to re-read the exports", at: SourceLocation(file: report.path))
        }
        let stride = MemoryLayout<LedgerEntry>.stride
        let count = try reader.u64()
        guard count <= UInt64(reader.remaining / stride) else { throw reader.corrupt("truncated") }
        let raw = try reader.bytes(Int(count) * stride)
        try validateTags(raw, count: Int(count), reader: reader)
        var entries = [LedgerEntry](repeating: LedgerEntry(), count: Int(count))
        entries.withUnsafeMutableBytes { destination in
            raw.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
        let keys = try reader.bytes(try reader.length())
        let stringCount = try reader.u64()
        guard stringCount >= 1, stringCount <= UInt64(reader.remaining / 8) else { throw reader.corrupt("string table") }
        let pool = StringPool()
        // Stored in id order (id 0 is the empty string); values may repeat (see StringPool.append).
        for index in 0..<Int(stringCount) {
            let stored = try reader.lengthPrefixed { pool.append(bytes: $0) }
            guard stored == UInt32(index) else { throw reader.corrupt("empty string out of place") }
        }
        let strings = UInt32(clamping: stringCount)
        for entry in entries {
            // Every pool reference below the pool's size (no array per entry: millions are checked).
            let outside = entry.card >= strings || entry.email >= strings || entry.phone >= strings || entry.name >= strings
                || entry.brand >= strings || entry.last4 >= strings || entry.billingCountry >= strings
                || entry.disputeStatus >= strings || entry.disputeReason >= strings || entry.rawStatus >= strings
                || entry.cvcCheck >= strings || entry.avsZipCheck >= strings || entry.issueCountry >= strings || entry.funding >= strings
                || entry.riskLevel >= strings || entry.riskScore >= strings || entry.terminalReader >= strings
            guard !outside, Int(entry.keyOffset) + Int(entry.keyLength) <= keys.count, entry.keyLength > 0,
                  Int(entry.currencyIndex) <= Currency.all.count
            else { throw reader.corrupt("a payment refers outside the archive") }
        }
        let rejections = try RejectLog(decoding: &reader)
        guard reader.isAtEnd else { throw reader.corrupt("trailing bytes") }
        return PaymentBatch(report: report, entries: entries, keys: keys, pool: pool, rejections: rejections)
    }

    /// Enum and Bool fields are checked in the raw bytes before they become `LedgerEntry`
    /// values: a byte outside an enum's cases must never be read as that enum.
    private static func validateTags(_ raw: [UInt8], count: Int, reader: ByteReader) throws {
        let stride = MemoryLayout<LedgerEntry>.stride
        guard let status = MemoryLayout<LedgerEntry>.offset(of: \.status), let mode = MemoryLayout<LedgerEntry>.offset(of: \.mode),
              let customer = MemoryLayout<LedgerEntry>.offset(of: \.hasCustomer) else {
            preconditionFailure("LedgerEntry stores its fields inline")
        }
        let statuses = UInt8(PaymentStatus.allCases.count), modes = UInt8(PaymentMode.allCases.count)
        for index in 0..<count {
            let base = index * stride
            guard raw[base + status] < statuses, raw[base + mode] < modes, raw[base + customer] <= 1 else {
                throw reader.corrupt("a payment with an unknown status")
            }
        }
    }
}

/// Decodes untrusted bytes as a decompressed state archive, for the fuzz target: every input
/// must end in a batch or an error, never a trap.
public enum StateArchiveCheck {
    @discardableResult
    public static func decode(_ bytes: [UInt8]) -> Bool {
        (try? BatchArchive.decode(decompressed: bytes, report: FileReport(path: "fuzz"))) != nil
    }

    /// A valid archive (decompressed) of the payments of `path`, as a seed for the fuzzer.
    public static func seed(from path: String) throws -> [UInt8] {
        let batch = try LedgerBuilder.readBatch(path, progress: { _ in })
        return try ZstdBuffer.decompress(try BatchArchive.encode(batch), name: path)
    }
}
