/// Timestamps as whole seconds since the Unix epoch, UTC throughout.
public enum UTCTime {
    /// Parses every timestamp form the exports use, all read as UTC:
    /// `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD HH:MM`, `M/D/YYYY H:MM[:SS]` (a spreadsheet re-save),
    /// ISO 8601 with `T` and an offset (`Z`, `+02:00`, `+0200`, `+02`), and epoch seconds.
    /// Returns nil for anything else.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var scanner = ByteScanner(bytes)
        scanner.trim()
        if scanner.isAtEnd { return nil }
        if scanner.allDigits {
            guard scanner.remaining <= 11, let seconds = scanner.number(maxDigits: 11) else { return nil }
            return seconds
        }
        var year = 0, month = 0, day = 0
        guard let first = scanner.number(maxDigits: 4) else { return nil }
        if scanner.take(0x2D) {  // '-': YYYY-MM-DD
            guard scanner.lastDigits == 4, let m = scanner.number(maxDigits: 2), scanner.take(0x2D),
                  let d = scanner.number(maxDigits: 2) else { return nil }
            year = Int(first); month = Int(m); day = Int(d)
        } else if scanner.take(0x2F) {  // '/': M/D/YYYY
            guard scanner.lastDigits <= 2, let d = scanner.number(maxDigits: 2), scanner.take(0x2F),
                  let y = scanner.number(maxDigits: 4), scanner.lastDigits == 4 else { return nil }
            year = Int(y); month = Int(first); day = Int(d)
        } else {
            return nil
        }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        var hour = 0, minute = 0, second = 0
        if !scanner.isAtEnd {
            guard scanner.take(0x20) || scanner.take(0x54) else { return nil }  // ' ' or 'T'
            guard let h = scanner.number(maxDigits: 2), scanner.take(0x3A),
                  let mi = scanner.number(maxDigits: 2), scanner.lastDigits == 2 else { return nil }
            hour = Int(h); minute = Int(mi)
            if scanner.take(0x3A) {
                guard let s = scanner.number(maxDigits: 2), scanner.lastDigits == 2 else { return nil }
                second = Int(s)
                if scanner.take(0x2E) {  // fractional seconds are dropped (times are whole seconds)
                    guard scanner.number(maxDigits: 9) != nil else { return nil }
                }
            }
            guard hour < 24, minute < 60, second < 61 else { return nil }
        }
        var offsetSeconds = 0
        if !scanner.isAtEnd {
            if scanner.take(0x5A) {  // 'Z'
            } else if scanner.peek == 0x2B || scanner.peek == 0x2D {  // '+' or '-'
                let sign = scanner.peek == 0x2D ? -1 : 1
                scanner.skip()
                guard let oh = scanner.number(maxDigits: 2), scanner.lastDigits == 2 else { return nil }
                var om: Int64 = 0
                if scanner.take(0x3A) {
                    guard let m = scanner.number(maxDigits: 2), scanner.lastDigits == 2 else { return nil }
                    om = m
                } else if !scanner.isAtEnd {
                    guard let m = scanner.number(maxDigits: 2), scanner.lastDigits == 2 else { return nil }
                    om = m
                }
                guard oh < 24, om < 60 else { return nil }
                offsetSeconds = sign * Int(oh * 3600 + om * 60)
            } else {
                scanner.skipSpaces()
                guard scanner.takeWord("UTC") || scanner.takeWord("GMT") else { return nil }
            }
            guard scanner.isAtEnd else { return nil }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
    }

    /// Convenience for strings (configuration, tests).
    public static func parse(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// `YYYY-MM-DD HH:MM:SS`, the Dashboard's own form.
    public static func format(_ seconds: Int64) -> String {
        var row = CSVRowBuilder(capacity: 32)
        row.time(seconds)
        return row.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// `format` for a year outside 0...9999 (padded to at least four digits, signed), which
    /// `CSVRowBuilder.time` writes through here.
    @usableFromInline
    static func formatAnyYear(_ seconds: Int64) -> String {
        let (y, m, d, hh, mm, ss) = components(seconds)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2)) \(pad(hh, 2)):\(pad(mm, 2)):\(pad(ss, 2))"
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (ISO 8601), for machine outputs.
    public static func formatISO(_ seconds: Int64) -> String {
        let (y, m, d, hh, mm, ss) = components(seconds)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(hh, 2)):\(pad(mm, 2)):\(pad(ss, 2))Z"
    }

    /// `YYYY-MM-DD HH:MM`, as in Stripe's Customers export.
    public static func formatMinutes(_ seconds: Int64) -> String {
        let (y, m, d, hh, mm, _) = components(seconds)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2)) \(pad(hh, 2)):\(pad(mm, 2))"
    }

    /// `YYYY-MM-DD`.
    public static func formatDate(_ seconds: Int64) -> String {
        let (y, m, d, _, _, _) = components(seconds)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Year, month, day, hour, minute, second of a UTC time.
    public static func components(_ seconds: Int64) -> (Int, Int, Int, Int, Int, Int) {
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        return (y, m, d, Int(rest / 3600), Int(rest % 3600 / 60), Int(rest % 60))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        let missing = width - text.utf8.count
        return missing > 0 ? String(repeating: "0", count: missing) + text : text
    }
}

/// A small cursor over bytes for the hand-rolled field parsers (times, amounts).
struct ByteScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    var end: Int
    var lastDigits = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        end = bytes.count
    }

    var isAtEnd: Bool { index >= end }
    var remaining: Int { end - index }
    var peek: UInt8? { index < end ? bytes[index] : nil }

    var allDigits: Bool {
        var i = index
        while i < end {
            if bytes[i] < 0x30 || bytes[i] > 0x39 { return false }
            i += 1
        }
        return true
    }

    mutating func trim() {
        while index < end, isASCIIWhitespace(bytes[index]) { index += 1 }
        while end > index, isASCIIWhitespace(bytes[end - 1]) { end -= 1 }
    }

    mutating func skip() { index += 1 }

    mutating func skipSpaces() {
        while index < end, bytes[index] == 0x20 { index += 1 }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard index < end, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func takeWord(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard end - index >= count else { return false }
        let start = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
        index += count
        return true
    }

    /// Reads 1...maxDigits digits; nil when there is none.
    mutating func number(maxDigits: Int) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        while index < end, digits < maxDigits, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            value = value * 10 + Int64(bytes[index] - 0x30)
            index += 1
            digits += 1
        }
        lastDigits = digits
        return digits == 0 ? nil : value
    }
}
