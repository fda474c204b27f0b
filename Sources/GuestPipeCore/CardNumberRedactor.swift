/// Finds full card numbers (PANs) in free text and masks them as first 6 + `*` + last 4.
///
/// A card number is 13–19 digits that pass the Luhn check and start with a card brand's issuer
/// prefix at a length that brand uses (docs/GUESTS.md, Privacy). Digits may be grouped by up to
/// three separators (space, dash, dot, underscore) — `4242 4242…`, `4242.4242…`,
/// `4242  4242…`, `4242_4242…` — and a card number is found wherever it stands: after a `+`,
/// after a leading `0`, or inside a longer run of digits. Only a phone column's value that
/// libphonenumber accepts as a possible number is exempt; the reader decides that, not this type.
public enum CardNumberRedactor {
    /// The text with every card number masked; the same string when there is none.
    @inline(__always)
    public static func redact(_ text: String) -> String {
        var digits = 0
        for byte in text.utf8 where byte &- 0x30 < 10 {
            digits += 1
            if digits >= 13 { return redactSlow(text) }
        }
        return text
    }

    /// Up to this many separator characters may stand between two groups of digits.
    static let maximumSeparatorRun = 3

    private static func redactSlow(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var changed = false
        var copiedUpTo = 0
        var index = 0
        while index < bytes.count {
            guard isDigit(bytes[index]) else { index += 1; continue }
            // The maximal run of digit groups joined by short runs of separators.
            var positions: [Int] = []
            var groupStarts: [Int] = []
            var groupEnds: [Int] = []
            var cursor = index
            while true {
                groupStarts.append(positions.count)
                while cursor < bytes.count, isDigit(bytes[cursor]) {
                    positions.append(cursor)
                    cursor += 1
                }
                groupEnds.append(positions.count)
                var gap = cursor
                while gap < bytes.count, gap - cursor < maximumSeparatorRun, isSeparator(bytes[gap]) { gap += 1 }
                if gap > cursor, gap < bytes.count, isDigit(bytes[gap]) {
                    cursor = gap
                } else {
                    break
                }
            }
            index = cursor
            guard positions.count >= 13 else { continue }
            let digits = positions.map { bytes[$0] - 0x30 }
            let windows = cardWindows(digits, groupStarts: groupStarts, groupEnds: groupEnds)
            for window in windows {
                output.append(contentsOf: bytes[copiedUpTo..<positions[window.lowerBound]])
                output.append(contentsOf: mask(Array(digits[window])))
                copiedUpTo = positions[window.upperBound - 1] + 1
                changed = true
            }
        }
        guard changed else { return text }
        output.append(contentsOf: bytes[copiedUpTo...])
        return String(decoding: output, as: UTF8.self)
    }

    /// The card numbers in a run of digits, as ranges of digit offsets in order: first those
    /// that start and end on group boundaries (the longest at each start), then any other.
    static func cardWindows(_ digits: [UInt8], groupStarts: [Int], groupEnds: [Int]) -> [Range<Int>] {
        var taken = [Bool](repeating: false, count: digits.count)
        var found: [Range<Int>] = []
        func free(_ range: Range<Int>) -> Bool { !range.contains { taken[$0] } }
        func take(_ range: Range<Int>) {
            for offset in range { taken[offset] = true }
            found.append(range)
        }
        for start in groupStarts {
            for end in groupEnds.reversed() where end - start >= 13 && end - start <= 19 {
                let range = start..<end
                if free(range), isCardNumber(Array(digits[range])) {
                    take(range)
                    break
                }
            }
        }
        var start = 0
        while start + 13 <= digits.count {
            var matched = false
            for length in stride(from: min(19, digits.count - start), through: 13, by: -1) {
                let range = start..<start + length
                if free(range), isCardNumber(Array(digits[range])) {
                    take(range)
                    start += length
                    matched = true
                    break
                }
            }
            if !matched { start += 1 }
        }
        return found.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Luhn check plus a brand prefix at a length the brand issues.
    public static func isCardNumber(_ digits: [UInt8]) -> Bool {
        hasBrandPrefix(digits) && passesLuhn(digits)
    }

    public static func passesLuhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    static func hasBrandPrefix(_ d: [UInt8]) -> Bool {
        let n = d.count
        guard n >= 13 else { return false }
        func prefix(_ count: Int) -> Int { d.prefix(count).reduce(0) { $0 * 10 + Int($1) } }
        let p2 = prefix(2), p3 = prefix(3), p4 = prefix(4)
        if d[0] == 4 { return n == 13 || n == 16 || n == 19 }                              // Visa
        if (51...55).contains(p2) || (2221...2720).contains(p4) { return n == 16 }         // Mastercard
        if p2 == 34 || p2 == 37 { return n == 15 }                                         // Amex
        if p4 == 6011 || (644...649).contains(p3) || p2 == 65 { return (16...19).contains(n) } // Discover
        if (3528...3589).contains(p4) { return (16...19).contains(n) }                     // JCB
        if p2 == 36 || (300...305).contains(p3) || p2 == 38 || p2 == 39 { return (14...19).contains(n) } // Diners
        if p2 == 62 { return (16...19).contains(n) }                                       // UnionPay
        return false
    }

    static func mask(_ digits: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(digits.count)
        for (offset, digit) in digits.enumerated() {
            out.append(offset < 6 || offset >= digits.count - 4 ? digit + 0x30 : 0x2A)
        }
        return out
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// Characters people put between groups of a card number.
    @inline(__always)
    static func isSeparator(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x2D || byte == 0x2E || byte == 0x5F }
}
