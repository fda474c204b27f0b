import Codecs
import GuestPipeCore

/// What reading one export found: for `inspect`, summaries and the run manifest.
public struct FileReport: Sendable {
    public var path: String
    public var compression: Compression = .none
    public var frames = 0
    public var compressedBytes: UInt64 = 0
    public var uncompressedBytes: UInt64 = 0
    public var profile: ExportProfile?
    public var headers: [String] = []
    /// Payment column → header name, for the columns the file has.
    public var columnMapping: [(column: PaymentColumn, header: String)] = []
    public var metadataKeys: [String] = []
    public var fields: PaymentFields = []
    /// Data records (rows after the header).
    public var rows: UInt64 = 0
    public var payments: UInt64 = 0
    public var rejects: UInt64 = 0
    public var incomplete: UInt64 = 0
    public var guestPayments: UInt64 = 0
    public var customerPayments: UInt64 = 0
    public var testMode: UInt64 = 0
    public var firstCreated: Int64?
    public var lastCreated: Int64?
    public var rowsWithInvalidUTF8: UInt64 = 0
    public var redactedFields: UInt64 = 0
    public var warnings: [String] = []

    public init(path: String) { self.path = path }

    /// Share of non-incomplete payments without a customer id.
    public var guestShare: Double {
        let total = guestPayments + customerPayments
        return total == 0 ? 0 : Double(guestPayments) / Double(total)
    }
}

/// Reads one payment export end to end: decompression (on its own thread), CSV records,
/// header mapping, payment decoding. Payments and rejections are handed out as they are read;
/// the caller must treat them as provisional until `read` returns without throwing, since a
/// corrupt or truncated input is only detected when its end is reached.
public enum PaymentFileReader {
    /// Reads `path` (`-` = standard input), calling `onPayment` and `onRejection` in file order.
    /// `columns` limits decoding to what the caller needs (nil: everything).
    public static func read(path: String, columns: Set<PaymentColumn>? = nil,
                            onPayment: (Payment) throws -> Void,
                            onRejection: (Rejection) throws -> Void) throws -> FileReport {
        try readRecords(path: path, columns: columns, onRecord: { try onPayment($0.makePayment()) }, onRejection: onRejection)
    }

    /// Like `read`, but hands out each payment as a `PaymentRecord` whose text is still in the
    /// CSV buffer: no string is made per field (the grouping stage interns the bytes).
    public static func readRecords(path: String, columns: Set<PaymentColumn>? = nil,
                                   onRecord: (PaymentRecord) throws -> Void,
                                   onRejection: (Rejection) throws -> Void) throws -> FileReport {
        let raw = try FileByteSource(path: path)
        return try readRecords(source: raw, name: path, compressedSize: { raw.bytesRead }, columns: columns,
                               onRecord: onRecord, onRejection: onRejection)
    }

    /// Reads any byte source (tests feed memory sources split in arbitrary chunks).
    public static func read(source raw: ByteSource, name: String, compressedSize: () -> UInt64 = { 0 },
                            chunkSize: Int = 1 << 20, columns: Set<PaymentColumn>? = nil,
                            onPayment: (Payment) throws -> Void,
                            onRejection: (Rejection) throws -> Void) throws -> FileReport {
        try readRecords(source: raw, name: name, compressedSize: compressedSize, chunkSize: chunkSize, columns: columns,
                        onRecord: { try onPayment($0.makePayment()) }, onRejection: onRejection)
    }

    public static func readRecords(source raw: ByteSource, name: String, compressedSize: () -> UInt64 = { 0 },
                                   chunkSize: Int = 1 << 20, columns: Set<PaymentColumn>? = nil,
                                   onRecord: (PaymentRecord) throws -> Void,
                                   onRejection: (Rejection) throws -> Void) throws -> FileReport {
        var report = FileReport(path: name)
        let decompressed = try DecompressingSource(raw, name: name)
        report.compression = decompressed.compression
        let prefetcher = PrefetchingReader(decompressed, chunkSize: chunkSize)
        defer { prefetcher.cancel() }
        let parser = try CSVRecordReader(name: name)
        var decoder: PaymentDecoder?

        func handle(_ record: CSVRecord) throws {
            guard let active = decoder else {
                let mapping = try HeaderMapping(header: record.strings, file: name)
                decoder = PaymentDecoder(mapping: mapping, file: name, columns: columns)
                report.profile = mapping.profile
                report.headers = mapping.headers
                report.fields = mapping.fields
                report.warnings = mapping.warnings
                report.metadataKeys = mapping.metadata.map(\.key)
                report.columnMapping = PaymentColumn.allCases.compactMap { column in
                    mapping.has(column) ? (column, mapping.headers[mapping.index(of: column)]) : nil
                }
                return
            }
            report.rows += 1
            switch active.decodeRecord(record) {
            case .payment(let payment):
                report.payments += 1
                if payment.status == .incomplete {
                    report.incomplete += 1
                } else if !payment.hasCustomer {
                    report.guestPayments += 1
                } else {
                    report.customerPayments += 1
                }
                if payment.mode == .test { report.testMode += 1 }
                if report.firstCreated.map({ payment.created < $0 }) ?? true { report.firstCreated = payment.created }
                if report.lastCreated.map({ payment.created > $0 }) ?? true { report.lastCreated = payment.created }
                try onRecord(payment)
            case .rejection(let rejection):
                report.rejects += 1
                try onRejection(rejection)
            }
        }

        while let chunk = try prefetcher.next() {
            report.uncompressedBytes += UInt64(chunk.count)
            try parser.feed(chunk, handle)
        }
        try parser.finish(handle)
        if decoder == nil {
            throw GuestPipeError(.missingColumn, "the file is empty: no header row",
                                 fix: "export the payments again; an export always starts with a header",
                                 at: SourceLocation(file: name))
        }
        report.frames = decompressed.frames
        report.compressedBytes = compressedSize()
        report.rowsWithInvalidUTF8 = decoder?.rowsWithInvalidUTF8 ?? 0
        report.redactedFields = decoder?.redactedFields ?? 0
        return report
    }
}
