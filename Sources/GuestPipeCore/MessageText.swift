/// Text from an input shown inside an error message or a rejection reason. Messages must never
/// carry card numbers, emails or phone numbers, and an error is one line: card numbers are
/// masked, anything with an `@` becomes `<email>`, a run of seven or more digits becomes
/// `<number>`, control characters are escaped and long values are cut.
public enum MessageText {
    /// At most this many characters of an input value appear in a message.
    public static let maximumLength = 60

    /// The value made safe for a message (not quoted).
    public static func safe(_ value: String) -> String {
        var words: [String] = []
        for word in CardNumberRedactor.redact(value).split(separator: " ", omittingEmptySubsequences: false) {
            if word.contains("@") {
                words.append("<email>")
            } else if longestDigitRun(word) >= 7 {
                words.append("<number>")
            } else {
                words.append(String(word))
            }
        }
        var text = escaped(words.joined(separator: " "))
        if text.count > maximumLength { text = String(text.prefix(maximumLength)) + "…" }
        return text
    }

    /// Control characters (newlines above all) escaped so a message stays on one line.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if isControl(scalar) {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// Digits in the longest run of digits and phone punctuation (spaces excluded: words are split on them).
    private static func longestDigitRun(_ word: Substring) -> Int {
        var best = 0, current = 0
        for byte in word.utf8 {
            if byte >= 0x30 && byte <= 0x39 {
                current += 1
                best = max(best, current)
            } else if !(byte == 0x2D || byte == 0x2E || byte == 0x28 || byte == 0x29 || byte == 0x2B || byte == 0x2F) {
                current = 0
            }
        }
        return best
    }
}
