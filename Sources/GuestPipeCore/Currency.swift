/// An ISO 4217 currency, stored as its lower-case three-letter code, with Stripe's exponent
/// (the number of decimals in its minor unit). Codes compare case-insensitively on input.
public struct Currency: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Lower-case code, e.g. `usd`.
    public let code: String
    /// Stripe's number of decimals: 0, 2 or 3.
    public let exponent: Int
    /// 1-based position in `Currency.all` (codes in order), so a currency fits in two bytes of
    /// a compact record; stored, because the reader asks for it on every row.
    public let index: UInt16

    /// Stripe's zero-decimal currencies.
    public static let zeroDecimal: Set<String> = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
        "xaf", "xof", "xpf",
    ]
    /// Stripe's three-decimal currencies.
    public static let threeDecimal: Set<String> = ["bhd", "jod", "kwd", "omr", "tnd"]

    /// Active ISO 4217 codes (lower case). An unknown code rejects a row.
    public static let known: Set<String> = [
        "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt",
        "bgn", "bhd", "bif", "bmd", "bnd", "bob", "bov", "brl", "bsd", "btn", "bwp", "byn", "bzd",
        "cad", "cdf", "che", "chf", "chw", "clf", "clp", "cny", "cop", "cou", "crc", "cuc", "cup",
        "cve", "czk", "djf", "dkk", "dop", "dzd", "egp", "ern", "etb", "eur", "fjd", "fkp", "gbp",
        "gel", "ghs", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl", "hrk", "htg", "huf", "idr",
        "ils", "inr", "iqd", "irr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr", "kmf", "kpw",
        "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "lyd", "mad", "mdl", "mga",
        "mkd", "mmk", "mnt", "mop", "mro", "mru", "mur", "mvr", "mwk", "mxn", "mxv", "myr", "mzn",
        "nad", "ngn", "nio", "nok", "npr", "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln",
        "pyg", "qar", "ron", "rsd", "rub", "rwf", "sar", "sbd", "scr", "sdg", "sek", "sgd", "shp",
        "sle", "sll", "sos", "srd", "ssp", "std", "stn", "svc", "syp", "szl", "thb", "tjs", "tmt",
        "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "usd", "usn", "uyi", "uyu", "uyw",
        "uzs", "ves", "ved", "vnd", "vuv", "wst", "xaf", "xag", "xau", "xcd", "xcg", "xof", "xpd",
        "xpf", "xpt", "xsu", "xua", "yer", "zar", "zmw", "zwg", "zwl",
    ]

    /// Creates a currency from a code in any case, surrounding spaces ignored; nil when unknown.
    public init?(code raw: String) {
        let lower = raw.trimmingASCIIWhitespace().lowercased()
        guard lower.utf8.count == 3, Currency.known.contains(lower) else { return nil }
        self.code = lower
        index = UInt16(Currency.sortedCodes.firstIndex(of: lower)! + 1)
        if Currency.zeroDecimal.contains(lower) {
            exponent = 0
        } else if Currency.threeDecimal.contains(lower) {
            exponent = 3
        } else {
            exponent = 2
        }
    }

    public var description: String { code }

    /// Every known currency in code order; `index` points into it (1-based, 0 = none), so a
    /// currency fits in two bytes of a compact record.
    public static let all: [Currency] = sortedCodes.compactMap { Currency(code: $0) }
    private static let sortedCodes = known.sorted()

    /// Currencies by their three letters packed into an integer (`a` = 0 … `z` = 25), for
    /// looking a code up from bytes without making a string.
    private static let byPackedCode: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 26 * 26 * 26)
        for (position, currency) in all.enumerated() {
            let letters = Array(currency.code.utf8)
            table[(Int(letters[0]) - 97) * 676 + (Int(letters[1]) - 97) * 26 + (Int(letters[2]) - 97)] = UInt16(position + 1)
        }
        return table
    }()

    /// The currency whose code the bytes spell (any case, surrounding spaces ignored); nil when
    /// unknown. The reader's per-row path: no allocation.
    public static func from(bytes raw: UnsafeRawBufferPointer) -> Currency? {
        var start = 0, end = raw.count
        while start < end, isASCIIWhitespace(raw[start]) { start += 1 }
        while end > start, isASCIIWhitespace(raw[end - 1]) { end -= 1 }
        guard end - start == 3 else { return nil }
        var packed = 0
        for offset in 0..<3 {
            let letter = raw[start + offset] | 0x20
            guard letter >= 97, letter <= 122 else { return nil }
            packed = packed * 26 + Int(letter - 97)
        }
        return at(index: byPackedCode[packed])
    }

    /// The currency at a 1-based `index`; nil for 0 or out of range.
    public static func at(index: UInt16) -> Currency? {
        index == 0 || Int(index) > all.count ? nil : all[Int(index) - 1]
    }

    public static func < (lhs: Currency, rhs: Currency) -> Bool { lhs.code < rhs.code }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    public func trimmingASCIIWhitespace() -> String {
        var text = self
        return text.withUTF8 { bytes in
            let trimmed = bytes.trimmingASCIIWhitespace()
            return trimmed.count == bytes.count ? self : String(decoding: trimmed, as: UTF8.self)
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The bytes without leading and trailing spaces, tabs, CR and LF (as the `String` one).
    @inlinable
    public func trimmingASCIIWhitespace() -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = count
        while start < end, isASCIIWhitespace(self[start]) { start += 1 }
        while end > start, isASCIIWhitespace(self[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: self[start..<end])
    }
}

@inlinable @inline(__always)
func isASCIIWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}
