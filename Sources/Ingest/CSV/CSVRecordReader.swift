import CCSV
import CSVBatch
import GuestPipeCore

/// One CSV record. Its fields point into the reader's batch buffer and are valid only during
/// the callback that receives the record: copy what you keep.
public struct CSVRecord {
    let bytes: UnsafePointer<UInt8>
    let fieldEnds: UnsafePointer<UInt32>
    let firstField: Int
    /// Number of fields.
    public let count: Int
    /// Physical line on which the record starts (1-based).
    public let line: UInt64
    /// Record number in the file, the header being record 0.
    public let number: UInt64

    /// The raw bytes of field `index`.
    @inline(__always)
    public subscript(index: Int) -> UnsafeRawBufferPointer {
        let field = firstField + index
        let start = field == 0 ? 0 : Int(fieldEnds[field - 1])
        let end = Int(fieldEnds[field])
        return UnsafeRawBufferPointer(start: bytes + start, count: end - start)
    }

    /// Field `index` as a string; invalid UTF-8 is replaced by U+FFFD.
    public func string(_ index: Int) -> String {
        String(decoding: self[index], as: UTF8.self)
    }

    /// All fields as strings (for headers, rejects and tests).
    public var strings: [String] { (0..<count).map(string) }
}

/// Streams CSV records out of chunks of bytes through libcsv: quoted fields, embedded newlines,
/// doubled quotes, CRLF / LF / CR line ends, a missing final newline. Blank lines are skipped
/// (but counted in line numbers). Chunks may be split anywhere, even inside a field.
public final class CSVRecordReader {
    /// A record longer than this (8 MiB) means an unclosed quote has swallowed the file, or the
    /// file is not an export: reading stops with an error instead of holding it all.
    public static let maximumRecordBytes = Int(GP_CSV_MAX_RECORD_BYTES)
    /// Fields of one record at most (exports have a few hundred columns).
    public static let maximumRecordFields = Int(GP_CSV_MAX_RECORD_FIELDS)
    private let batch: UnsafeMutablePointer<gp_csv_batch>
    private let name: String
    private var recordNumber: UInt64 = 0
    private var finished = false

    /// `name` is the input's name, used in errors.
    public init(name: String) throws {
        guard let batch = gp_csv_batch_new() else {
            throw GuestPipeError(.io, "out of memory creating the CSV parser", at: SourceLocation(file: name))
        }
        self.batch = batch
        self.name = name
    }

    deinit { gp_csv_batch_free(batch) }

    /// Parses a chunk and hands every record it completes to `handle`, in order.
    public func feed(_ chunk: UnsafeRawBufferPointer, _ handle: (CSVRecord) throws -> Void) throws {
        guard chunk.count > 0 else { return }
        if gp_csv_batch_parse(batch, chunk.baseAddress, chunk.count) != 0 {
            throw failure()
        }
        try drain(handle)
        if gp_csv_batch_pending_field_bytes(batch) > CSVRecordReader.maximumRecordBytes {
            throw recordTooLong()
        }
    }

    /// Ends the input: finishes a last record without a final newline.
    public func finish(_ handle: (CSVRecord) throws -> Void) throws {
        guard !finished else { return }
        finished = true
        if gp_csv_batch_in_quoted_field(batch) != 0 {
            throw GuestPipeError(.corruptInput,
                                 "a quoted field opened in the record starting on line \(batch.pointee.line) is never closed",
                                 fix: "the file is cut short or has an unbalanced quote; export it again",
                                 at: SourceLocation(file: name, line: batch.pointee.line))
        }
        if gp_csv_batch_finish(batch) != 0 { throw failure() }
        try drain(handle)
    }

    private func drain(_ handle: (CSVRecord) throws -> Void) throws {
        let b = batch.pointee
        guard b.rows_len > 0 else { return }
        var firstField = 0
        for row in 0..<b.rows_len {
            let end = Int(b.row_field_ends[row])
            let record = CSVRecord(bytes: UnsafePointer(b.bytes), fieldEnds: UnsafePointer(b.field_ends),
                                   firstField: firstField, count: end - firstField,
                                   line: b.row_lines[row], number: recordNumber)
            recordNumber += 1
            firstField = end
            try handle(record)
        }
        gp_csv_batch_compact(batch)
    }

    private func recordTooLong() -> GuestPipeError {
        GuestPipeError(.corruptInput,
                       "the record starting on line \(batch.pointee.line) is longer than 8 MiB or has more than \(CSVRecordReader.maximumRecordFields) fields: probably an unclosed quote, or not a payment export",
                       fix: "check the quotes on that line, or export the payments again",
                       at: SourceLocation(file: name, line: batch.pointee.line))
    }

    private func failure() -> GuestPipeError {
        if batch.pointee.record_too_long != 0 { return recordTooLong() }
        if batch.pointee.out_of_memory != 0 {
            return GuestPipeError(.io, "out of memory while parsing CSV", at: SourceLocation(file: name, line: batch.pointee.line))
        }
        let code = csv_error(&batch.pointee.parser)
        return GuestPipeError(.corruptInput, "CSV parse error: \(String(cString: csv_strerror(code)))",
                              fix: "check the file's quoting near that line", at: SourceLocation(file: name, line: batch.pointee.line))
    }
}
