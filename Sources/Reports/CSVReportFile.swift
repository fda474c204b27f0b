import Codecs
import GuestPipeCore

/// A CSV output: header first, rows appended, LF line ends, optionally zstd-compressed
/// (`.csv.zst`), created 0600.
public final class CSVReportFile {
    private let file: OutputFile
    private var row: [UInt8] = []

    /// `directory/name.csv` (or `.csv.zst`).
    public init(directory: String, name: String, header: [String], compression: Compression) throws {
        let suffix = compression == .zstd ? ".csv.zst" : ".csv"
        file = try OutputFile(path: directory + "/" + name + suffix, compression: compression)
        try write(header)
    }

    public func write(_ fields: [String]) throws {
        row.removeAll(keepingCapacity: true)
        CSVText.appendRow(fields, to: &row)
        try row.withUnsafeBytes { try file.write(bytes: $0) }
    }

    /// Writes the rows a builder holds and empties it (flush every few thousand rows).
    public func write(_ rows: inout CSVRowBuilder) throws {
        try rows.withBytes { try file.write(bytes: $0) }
        rows.clear()
    }

    public func close() throws { try file.close() }
}
