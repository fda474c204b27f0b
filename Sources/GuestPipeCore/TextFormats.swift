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
/// formatted in place, so a row costs no string per field. For the large outputs, written at
/// hundreds of MB/s: the bytes live in one growing buffer written through a pointer, and every
/// method is inlinable, so a writer in another module pays no call and no array check per byte.
/// A builder is not copied: copies would share one buffer (keep one builder per output).
public struct CSVRowBuilder {
    /// Owns the bytes (frees them when the last copy of the builder goes); the builder keeps
    /// the pointer, count and capacity itself, so appending touches no class property.
    @usableFromInline
    final class Storage {
        @usableFromInline var base: UnsafeMutablePointer<UInt8>

        @usableFromInline
        init(capacity: Int) { base = .allocate(capacity: capacity) }

        deinit { base.deallocate() }
    }

    @usableFromInline var storage: Storage
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    @usableFromInline var rowHasFields = false

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        storage = Storage(capacity: self.capacity)
        base = storage.base
    }

    /// Bytes built so far.
    @inlinable
    public var byteCount: Int { count }

    /// The rows built so far (CSV bytes, LF-terminated rows).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Calls `body` with the bytes built so far; valid only during the call.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Room for `extra` more bytes.
    @usableFromInline
    mutating func grow(toHold extra: Int) {
        var size = capacity * 2
        while size < count + extra { size *= 2 }
        let bigger = Storage(capacity: size)
        bigger.base.update(from: base, count: count)
        storage = bigger
        base = bigger.base
        capacity = size
    }

    /// A pointer to room for `extra` more bytes (then add what was written to `count`).
    @inlinable @inline(__always)
    mutating func room(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if count + extra > capacity { grow(toHold: extra) }
        return base + count
    }

    @inlinable @inline(__always)
    mutating func put(_ byte: UInt8) {
        room(1).pointee = byte
        count += 1
    }

    @inlinable @inline(__always)
    mutating func separate() {
        if rowHasFields { put(0x2C) }
        rowHasFields = true
    }

    /// A text field, quoted when needed.
    @inlinable
    public mutating func field(_ text: String) {
        var text = text
        text.withUTF8 { field(bytes: $0) }
    }

    /// A text field given as UTF-8 bytes, quoted when needed (as `CSVText.appendField`).
    @inlinable
    public mutating func field(bytes value: UnsafeBufferPointer<UInt8>) {
        separate()
        let length = value.count
        guard length > 0, let source = value.baseAddress else { return }
        var needsQuotes = source[0] == 0x20 || source[length - 1] == 0x20
        if !needsQuotes {
            for offset in 0..<length {
                let byte = source[offset]
                if byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D { needsQuotes = true; break }
            }
        }
        if !needsQuotes {
            room(length).update(from: source, count: length)
            count += length
            return
        }
        let target = room(length * 2 + 2)
        var written = 0
        target[written] = 0x22; written += 1
        for offset in 0..<length {
            let byte = source[offset]
            if byte == 0x22 { target[written] = 0x22; written += 1 }
            target[written] = byte; written += 1
        }
        target[written] = 0x22; written += 1
        count += written
    }

    /// A list field: the values joined by `;`, quoted as one field when needed. `scratch`
    /// holds the joined bytes (kept by the caller, so a row makes no allocation).
    @inlinable
    public mutating func field(list values: [String], into scratch: inout [UInt8]) {
        if values.count == 1 { return field(values[0]) }
        scratch.removeAll(keepingCapacity: true)
        for (position, value) in values.enumerated() {
            if position > 0 { scratch.append(0x3B) }
            scratch.append(contentsOf: value.utf8)
        }
        scratch.withUnsafeBufferPointer { field(bytes: $0) }
    }

    /// An empty field.
    @inlinable
    public mutating func emptyField() { separate() }

    /// An integer.
    @inlinable
    public mutating func field(_ value: Int) {
        separate()
        appendInteger(value.magnitude, negative: value < 0, minimumDigits: 1)
    }

    /// The decimal digits of `magnitude` (with a minus sign if `negative`), zero-padded on the
    /// left to `minimumDigits`.
    @inlinable @inline(__always)
    mutating func appendInteger(_ magnitude: UInt, negative: Bool, minimumDigits: Int) {
        let target = room(22 + minimumDigits)
        var written = 0
        if negative { target[0] = 0x2D; written = 1 }
        var digits = 0
        var rest = magnitude
        repeat { digits += 1; rest /= 10 } while rest > 0
        digits = max(digits, minimumDigits)
        rest = magnitude
        for position in stride(from: written + digits - 1, through: written, by: -1) {
            target[position] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
            rest /= 10
        }
        count += written + digits
    }

    /// A UTC time, `YYYY-MM-DD HH:MM:SS` (the one implementation: `UTCTime.format` calls it).
    @inlinable
    public mutating func time(_ seconds: Int64) {
        separate()
        let (y, m, d, hh, mm, ss) = UTCTime.components(seconds)
        guard (0...9999).contains(y) else {
            var text = UTCTime.formatAnyYear(seconds)
            text.withUTF8 { room($0.count).update(from: $0.baseAddress!, count: $0.count); count += $0.count }
            return
        }
        let target = room(19)
        @inline(__always) func two(_ value: Int, _ at: Int) {
            target[at] = UInt8(truncatingIfNeeded: 0x30 + value / 10)
            target[at + 1] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
        }
        two(y / 100, 0); two(y % 100, 2); target[4] = 0x2D; two(m, 5); target[7] = 0x2D; two(d, 8); target[10] = 0x20
        two(hh, 11); target[13] = 0x3A; two(mm, 14); target[16] = 0x3A; two(ss, 17)
        count += 19
    }

    /// Minor units as an exact decimal in major units (the one implementation:
    /// `MinorUnits.format` calls it).
    @inlinable
    public mutating func money(_ minor: Int64, exponent: Int) {
        separate()
        let magnitude = UInt(minor.magnitude)
        var divisor: UInt = 1
        for _ in 0..<exponent { divisor *= 10 }
        appendInteger(magnitude / divisor, negative: minor < 0, minimumDigits: 1)
        guard exponent > 0 else { return }
        put(0x2E)
        appendInteger(magnitude % divisor, negative: false, minimumDigits: exponent)
    }

    /// Ends the row with LF.
    @inlinable
    public mutating func endRow() {
        put(0x0A)
        rowHasFields = false
    }

    /// Forgets the rows built so far, keeping the memory.
    @inlinable
    public mutating func clear() {
        count = 0
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
