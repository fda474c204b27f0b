/// Writing CSV fields and JSON strings. Reading CSV is libcsv's job; writing needs only quoting.
public enum CSVText {
    /// Appends one field, quoted when it holds a comma, quote, line break or outer space.
    public static func appendField(_ field: String, to row: inout [UInt8]) {
        var text = field
        text.withUTF8 { appendField(bytes: $0, to: &row) }
    }

    /// `appendField` for a field given as UTF-8 bytes.
    public static func appendField(bytes: UnsafeBufferPointer<UInt8>, to row: inout [UInt8]) {
        var needsQuotes = bytes.first == 0x20 || bytes.last == 0x20
        for byte in bytes where byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            row.append(contentsOf: bytes)
            return
        }
        row.append(0x22)
        for byte in bytes {
            if byte == 0x22 { row.append(0x22) }
            row.append(byte)
        }
        row.append(0x22)
    }

    /// Appends a whole row ending in LF.
    public static func appendRow(_ fields: [String], to row: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { row.append(0x2C) }
            appendField(field, to: &row)
        }
        row.append(0x0A)
    }

    /// One row as a string (LF-terminated).
    public static func row(_ fields: [String]) -> String {
        var bytes: [UInt8] = []
        appendRow(fields, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Builds CSV rows straight into bytes, with `CSVText`'s quoting: numbers, times and money are
/// formatted in place, so a row costs no string per field. For the large outputs.
public struct CSVRowBuilder {
    public private(set) var bytes: [UInt8] = []
    private var rowHasFields = false

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    private mutating func separate() {
        if rowHasFields { bytes.append(0x2C) }
        rowHasFields = true
    }

    /// A text field, quoted when needed.
    public mutating func field(_ text: String) {
        separate()
        CSVText.appendField(text, to: &bytes)
    }

    /// A text field given as UTF-8 bytes, quoted when needed.
    public mutating func field(bytes value: UnsafeBufferPointer<UInt8>) {
        separate()
        CSVText.appendField(bytes: value, to: &bytes)
    }

    /// An integer.
    public mutating func field(_ value: Int) {
        separate()
        MinorUnits.append(Int64(value), exponent: 0, to: &bytes)
    }

    /// A UTC time as `UTCTime.format` writes it.
    public mutating func time(_ seconds: Int64) {
        separate()
        UTCTime.append(seconds, to: &bytes)
    }

    /// Minor units as `MinorUnits.format` writes them: a decimal in major units, exactly.
    public mutating func money(_ minor: Int64, exponent: Int) {
        separate()
        MinorUnits.append(minor, exponent: exponent, to: &bytes)
    }

    /// Ends the row with LF.
    public mutating func endRow() {
        bytes.append(0x0A)
        rowHasFields = false
    }

    /// Forgets the rows built so far, keeping the memory.
    public mutating func clear() {
        bytes.removeAll(keepingCapacity: true)
        rowHasFields = false
    }
}

public enum JSONText {
    /// A JSON string literal, quotes included.
    public static func quote(_ text: String) -> String {
        var out: [UInt8] = [0x22]
        out.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    /// An object from ordered key/raw-JSON-value pairs.
    public static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
