/// Finds full card numbers (PANs) in free text and masks them as first 6 + `*` + last 4.
///
/// A digit run is a card number when it has 13–19 digits (single spaces or dashes allowed
/// between groups), passes the Luhn check, and starts with a card brand's issuer prefix at a
/// length that brand uses. A run preceded by `+` is a phone number. See guests.md, Privacy.
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

    private static func redactSlow(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var changed = false
        var copiedUpTo = 0
        var index = 0
        while index < bytes.count {
            guard isDigit(bytes[index]) else { index += 1; continue }
            // Collect the maximal run of digit groups joined by single spaces or dashes.
            let runStart = index
            var groups: [(start: Int, end: Int)] = []
            var cursor = index
            while true {
                let groupStart = cursor
                while cursor < bytes.count, isDigit(bytes[cursor]) { cursor += 1 }
                groups.append((groupStart, cursor))
                if cursor + 1 < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x2D,
                   isDigit(bytes[cursor + 1]) {
                    cursor += 1
                } else {
                    break
                }
            }
            let afterPlus = runStart > 0 && bytes[runStart - 1] == 0x2B
            var first = 0
            while first < groups.count {
                if first == 0 && afterPlus { first += 1; continue }
                var best: (last: Int, digits: [UInt8])?
                var digits: [UInt8] = []
                for last in first..<groups.count {
                    for position in groups[last].start..<groups[last].end { digits.append(bytes[position] - 0x30) }
                    if digits.count > 19 { break }
                    if digits.count >= 13, isCardNumber(digits) { best = (last, digits) }
                }
                if let best {
                    let start = groups[first].start
                    let end = groups[best.last].end
                    output.append(contentsOf: bytes[copiedUpTo..<start])
                    output.append(contentsOf: mask(best.digits))
                    copiedUpTo = end
                    changed = true
                    first = best.last + 1
                } else {
                    first += 1
                }
            }
            index = cursor
        }
        guard changed else { return text }
        output.append(contentsOf: bytes[copiedUpTo...])
        return String(decoding: output, as: UTF8.self)
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
}
