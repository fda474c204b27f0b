import Codecs
import GuestPipeCore
import Grouping
import Ingest
import Reports

/// A file's compact payments as bytes for the state store, in an explicit format that does not
/// depend on how this build lays out `LedgerEntry` in memory, zstd-compressed.
///
/// Format 3 (all integers little-endian):
/// - magic `GPBATCH3`;
/// - the name tables its codes refer to: payment statuses, modes, columns (bit *i* of a
///   payment's column set is column *i*), currency codes (currency *i* is code *i*−1, 0 none),
///   each as a count and length-prefixed names, so a later build that adds or reorders cases
///   still reads it, and a name it does not know is an error, never another value;
/// - the payment count *n*, then one column of *n* values per field (key offset and length,
///   status, mode, customer flag, currency, the five amounts and times, seventeen pool ids,
///   column set, line), column by column so that zstd sees similar values together;
/// - the key arena, the string pool (length-prefixed values in id order) and the rejected rows.
///
/// Decoding checks every count, offset, pool reference and code, so damaged bytes are an error
/// naming the export, never a trap; the state also keeps a SHA-256 of each archive
/// (`StateStore`), so damage is caught before decoding. Format 2 (raw `LedgerEntry` memory, up to
/// state schema 4) is still read (`LegacyBatchArchive`) and rewritten by the schema 5 migration.
enum BatchArchive {
    static let magic: [UInt8] = Array("GPBATCH3".utf8)
    static let statusNames = PaymentStatus.allCases.map(\.rawValue)
    static let modeNames = PaymentMode.allCases.map(\.rawValue)
    static let columnNames = PaymentColumn.allCases.map(\.description)
    static let currencyCodes = Currency.all.map(\.code)

    static func encode(_ batch: PaymentBatch) throws -> [UInt8] {
        let entries = batch.entries
        let count = entries.count
        var out = ByteWriter()
        out.data.reserveCapacity(count * 120 + batch.keys.count + batch.pool.count * 16 + 16_384)
        out.bytes(magic)
        for table in [statusNames, modeNames, columnNames, currencyCodes] {
            out.u64(UInt64(table.count))
            for name in table { out.string(name) }
        }
        // Codes are positions in the tables above.
        let statuses = PaymentStatus.allCases, modes = PaymentMode.allCases
        out.u64(UInt64(count))
        entries.withUnsafeBufferPointer { e in
            out.column(count) { e[$0].keyOffset }
            out.column(count) { e[$0].keyLength }
            out.column(count) { UInt8(statuses.firstIndex(of: e[$0].status) ?? 0) }
            out.column(count) { UInt8(modes.firstIndex(of: e[$0].mode) ?? 0) }
            out.column(count) { UInt8(e[$0].hasCustomer ? 1 : 0) }
            out.column(count) { e[$0].currencyIndex }
            out.column(count) { e[$0].created }
            out.column(count) { e[$0].amount }
            out.column(count) { e[$0].refunded }
            out.column(count) { e[$0].disputed }
            out.column(count) { e[$0].disputeDate }
            out.column(count) { e[$0].card }
            out.column(count) { e[$0].email }
            out.column(count) { e[$0].phone }
            out.column(count) { e[$0].name }
            out.column(count) { e[$0].brand }
            out.column(count) { e[$0].last4 }
            out.column(count) { e[$0].billingCountry }
            out.column(count) { e[$0].disputeStatus }
            out.column(count) { e[$0].disputeReason }
            out.column(count) { e[$0].rawStatus }
            out.column(count) { e[$0].cvcCheck }
            out.column(count) { e[$0].avsZipCheck }
            out.column(count) { e[$0].issueCountry }
            out.column(count) { e[$0].funding }
            out.column(count) { e[$0].riskLevel }
            out.column(count) { e[$0].riskScore }
            out.column(count) { e[$0].terminalReader }
            out.column(count) { e[$0].fields.rawValue }
            out.column(count) { e[$0].line }
        }
        out.u64(UInt64(batch.keys.count))
        out.bytes(batch.keys)
        out.u64(UInt64(batch.pool.count))
        for id in 0..<batch.pool.count {
            batch.pool.withBytes(UInt32(id)) { out.lengthPrefixed($0) }
        }
        out.bytes(try batch.rejections.encoded())
        return try ZstdBuffer.compress(out.data, level: 1)
    }

    /// The archive with its SHA-256, for the state.
    static func encoded(_ batch: PaymentBatch) throws -> EncodedArchive {
        let bytes = try encode(batch)
        return EncodedArchive(bytes: bytes, sha256: Hashing.sha256Hex(bytes))
    }

    static func decode(_ compressed: [UInt8], report: FileReport) throws -> PaymentBatch {
        try decode(decompressed: decompress(compressed, name: report.path), report: report)
    }

    /// The archive in this build's format, or nil when it already is (the schema 5 migration).
    static func upgraded(_ compressed: [UInt8], path: String) throws -> [UInt8]? {
        let bytes = try decompress(compressed, name: path)
        guard bytes.starts(with: LegacyBatchArchive.magic) else { return nil }
        return try encode(try decode(decompressed: bytes, report: FileReport(path: path)))
    }

    private static func decompress(_ compressed: [UInt8], name: String) throws -> [UInt8] {
        do {
            return try ZstdBuffer.decompress(compressed, name: name)
        } catch {
            throw ByteReader(bytes: [], name: name).corrupt("not a valid zstd archive")
        }
    }

    static func decode(decompressed bytes: [UInt8], report: FileReport) throws -> PaymentBatch {
        var reader = ByteReader(bytes: bytes, name: report.path)
        func corrupt(_ what: String) -> GuestPipeError { ByteReader(bytes: [], name: report.path).corrupt(what) }
        let found = try reader.bytes(magic.count)
        if found == LegacyBatchArchive.magic { return try LegacyBatchArchive.decode(&reader, report: report) }
        guard found == magic else {
            if found.starts(with: Array("GPBATCH".utf8)) {
                throw GuestPipeError(.configuration, "the state was written by a newer guestpipe (archive format \(MessageText.safe(String(decoding: found.suffix(1), as: UTF8.self))))",
                                     fix: "run the newer guestpipe, or run once with --rebuild to re-read the exports",
                                     at: SourceLocation(file: report.path))
            }
            throw reader.corrupt("unknown archive format")
        }
        let statuses = try codes(&reader, names: statusNames, what: "payment status") { PaymentStatus(rawValue: $0) }
        let modes = try codes(&reader, names: modeNames, what: "payment mode") { PaymentMode(rawValue: $0) }
        let columns = try codes(&reader, names: columnNames, what: "column") { name in PaymentColumn.allCases.first { $0.description == name } }
        let currencies = try codes(&reader, names: currencyCodes, what: "currency") { Currency(code: $0)?.index }
        guard columns.count <= 64 else { throw reader.corrupt("column table") }
        let count = Int(clamping: try reader.u64())
        guard count <= reader.remaining / 60 else { throw reader.corrupt("truncated") }
        var entries = [LedgerEntry](repeating: LedgerEntry(), count: count)
        try entries.withUnsafeMutableBufferPointer { e in
            try reader.column(count) { e[$0].keyOffset = $1 }
            try reader.column(count) { e[$0].keyLength = $1 }
            try reader.column(count) { (index, code: UInt8) in
                guard Int(code) < statuses.count else { throw corrupt("a payment with an unknown status") }
                e[index].status = statuses[Int(code)]
            }
            try reader.column(count) { (index, code: UInt8) in
                guard Int(code) < modes.count else { throw corrupt("a payment with an unknown mode") }
                e[index].mode = modes[Int(code)]
            }
            try reader.column(count) { (index, flag: UInt8) in
                guard flag <= 1 else { throw corrupt("a payment with an unknown customer flag") }
                e[index].hasCustomer = flag == 1
            }
            try reader.column(count) { (index, code: UInt16) in
                guard Int(code) <= currencies.count else { throw corrupt("a payment with an unknown currency") }
                e[index].currencyIndex = code == 0 ? 0 : currencies[Int(code) - 1]
            }
            try reader.column(count) { e[$0].created = $1 }
            try reader.column(count) { e[$0].amount = $1 }
            try reader.column(count) { e[$0].refunded = $1 }
            try reader.column(count) { e[$0].disputed = $1 }
            try reader.column(count) { e[$0].disputeDate = $1 }
            try reader.column(count) { e[$0].card = $1 }
            try reader.column(count) { e[$0].email = $1 }
            try reader.column(count) { e[$0].phone = $1 }
            try reader.column(count) { e[$0].name = $1 }
            try reader.column(count) { e[$0].brand = $1 }
            try reader.column(count) { e[$0].last4 = $1 }
            try reader.column(count) { e[$0].billingCountry = $1 }
            try reader.column(count) { e[$0].disputeStatus = $1 }
            try reader.column(count) { e[$0].disputeReason = $1 }
            try reader.column(count) { e[$0].rawStatus = $1 }
            try reader.column(count) { e[$0].cvcCheck = $1 }
            try reader.column(count) { e[$0].avsZipCheck = $1 }
            try reader.column(count) { e[$0].issueCountry = $1 }
            try reader.column(count) { e[$0].funding = $1 }
            try reader.column(count) { e[$0].riskLevel = $1 }
            try reader.column(count) { e[$0].riskScore = $1 }
            try reader.column(count) { e[$0].terminalReader = $1 }
            let sameColumns = columns == Array(PaymentColumn.allCases.prefix(columns.count))
            try reader.column(count) { (index, bits: UInt64) in
                guard bits >> UInt64(columns.count) == 0 || columns.count == 64 else { throw corrupt("a payment with an unknown column") }
                e[index].fields = sameColumns ? PaymentFields(rawValue: bits) : remapped(bits, columns)
            }
            try reader.column(count) { e[$0].line = $1 }
        }
        return try finish(&reader, entries: entries, report: report)
    }

    /// Keys, string pool and rejected rows (the same in every format), and the checks of every
    /// payment's references into them.
    static func finish(_ reader: inout ByteReader, entries: [LedgerEntry], report: FileReport) throws -> PaymentBatch {
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

    /// A name table, each name mapped to this build's value; a name this build does not know
    /// means a newer guestpipe wrote the archive. `names` is this build's table: when the stored
    /// one is the same, no name is looked up.
    private static func codes<T>(_ reader: inout ByteReader, names: [String], what: String, _ value: (String) -> T?) throws -> [T] {
        let count = try reader.u64()
        guard count <= UInt64(reader.remaining / 8) else { throw reader.corrupt("\(what) table") }
        var result: [T] = []
        for _ in 0..<count {
            let name = try reader.string()
            guard let known = value(name) else {
                throw GuestPipeError(.configuration, "the state holds a \(what) this guestpipe does not know (\(MessageText.safe(name)))",
                                     fix: "run the newer guestpipe that wrote it, or run once with --rebuild to re-read the exports",
                                     at: SourceLocation(file: reader.name))
            }
            result.append(known)
        }
        return result
    }

    /// A column set whose bit *i* is stored column *i*, as this build's bits.
    static func remapped(_ bits: UInt64, _ columns: [PaymentColumn]) -> PaymentFields {
        var fields: PaymentFields = []
        for (index, column) in columns.enumerated() where bits >> UInt64(index) & 1 == 1 { fields.insert(column.field) }
        return fields
    }
}

extension ByteWriter {
    /// `count` values as little-endian integers, one after another.
    @inline(__always)
    mutating func column<T: FixedWidthInteger>(_ count: Int, _ value: (Int) -> T) {
        let start = data.count, size = MemoryLayout<T>.size
        data.append(contentsOf: repeatElement(0, count: count * size))
        data.withUnsafeMutableBytes { raw in
            for index in 0..<count { raw.storeBytes(of: value(index).littleEndian, toByteOffset: start + index * size, as: T.self) }
        }
    }
}

extension ByteReader {
    /// Reads `count` little-endian integers, handing each to `body` with its index.
    @inline(__always)
    mutating func column<T: FixedWidthInteger>(_ count: Int, _ body: (Int, T) throws -> Void) throws {
        let size = MemoryLayout<T>.size
        guard count <= remaining / size else { throw corrupt("truncated") }
        try raw(count * size) { bytes in
            for index in 0..<count { try body(index, T(littleEndian: bytes.loadUnaligned(fromByteOffset: index * size, as: T.self))) }
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
