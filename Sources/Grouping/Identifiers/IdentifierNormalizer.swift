import CPhoneNumber
import GuestPipeCore

/// Settings that change which identifiers a payment yields.
public struct NormalizationSettings: Sendable, Equatable {
    /// Region for phone numbers without a country code (ISO 3166 alpha-2).
    public var phoneRegion = "US"
    /// Gmail / Googlemail rules: dots in the local part and `+tag` are ignored. Off by default:
    /// they merge people the source system would not.
    public var emailProviderRules = false
    /// The pipeline's own placeholder values.
    public var placeholders: [String] = []

    public init() {}
}

/// Turns raw card fingerprints, emails and phones into identifiers, or says why not.
public struct IdentifierNormalizer {
    public let settings: NormalizationSettings
    private let placeholders: Placeholders

    public init(settings: NormalizationSettings) {
        self.settings = settings
        placeholders = Placeholders(extra: settings.placeholders)
    }

    /// `card:` the fingerprint trimmed, case-sensitive.
    public func card(_ raw: String) -> NormalizedValue {
        let value = raw.trimmingASCIIWhitespace()
        if value.isEmpty { return .empty }
        if placeholders.isGeneric(value) { return .placeholder }
        return .identifier(Identifier(kind: .card, value: value))
    }

    /// `email:` trimmed and lower-cased (plus provider rules when enabled).
    public func email(_ raw: String) -> NormalizedValue {
        var text = raw
        return text.withUTF8 { asciiEmail($0) } ?? unicodeEmail(raw)
    }

    /// `email` on the bytes of an ASCII value (most emails): the same trimming, lower-casing,
    /// placeholder and provider rules as `unicodeEmail` without a `String` per step; nil when
    /// a byte is not ASCII. `IdentifierTests` compares the two.
    func asciiEmail(_ raw: UnsafeBufferPointer<UInt8>) -> NormalizedValue? {
        let trimmed = raw.trimmingASCIIWhitespace()
        var lowered = [UInt8]()
        lowered.reserveCapacity(trimmed.count)
        for byte in trimmed {
            if byte >= 0x80 { return nil }
            lowered.append(byte &- 0x41 < 26 ? byte | 0x20 : byte)
        }
        if lowered.isEmpty { return .empty }
        return lowered.withUnsafeBufferPointer { value -> NormalizedValue in
            if placeholders.isEmailPlaceholder(ascii: value) { return .placeholder }
            if settings.emailProviderRules, let at = value.lastIndex(of: UInt8(ascii: "@")) {
                let domain = value[(at + 1)...]
                if domain.elementsEqual("gmail.com".utf8) || domain.elementsEqual("googlemail.com".utf8) {
                    var local = value[..<at]
                    if let plus = local.firstIndex(of: UInt8(ascii: "+")) { local = local[..<plus] }
                    let address = local.filter { $0 != UInt8(ascii: ".") } + Array("@gmail.com".utf8)
                    return .identifier(Identifier(kind: .email, value: String(decoding: address, as: UTF8.self)))
                }
            }
            return .identifier(Identifier(kind: .email, value: String(decoding: value, as: UTF8.self)))
        }
    }

    /// `email` for any value: `String`'s Unicode lower-casing and character rules.
    func unicodeEmail(_ raw: String) -> NormalizedValue {
        var value = raw.trimmingASCIIWhitespace().lowercased()
        if value.isEmpty { return .empty }
        if placeholders.isEmailPlaceholder(value) { return .placeholder }
        if settings.emailProviderRules, let at = value.lastIndex(of: "@") {
            var local = String(value[..<at])
            var domain = String(value[value.index(after: at)...])
            if domain == "gmail.com" || domain == "googlemail.com" {
                if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
                local.removeAll { $0 == "." }
                domain = "gmail.com"
                value = local + "@" + domain
            }
        }
        return .identifier(Identifier(kind: .email, value: value))
    }

    /// Spellings of one phone number that differ only in spaces and punctuation share a shape
    /// (`+` kept, digits kept), and normalise the same way. Anything with other characters
    /// (letters, extensions) is its own shape, `raw:` + the value. Written into `shape`.
    public static func phoneShape(_ raw: UnsafeBufferPointer<UInt8>, into shape: inout [UInt8]) {
        shape.removeAll(keepingCapacity: true)
        for byte in raw {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"): shape.append(byte)
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\t"), UInt8(ascii: "/"):
                continue
            default:
                shape.removeAll(keepingCapacity: true)
                shape.append(contentsOf: "raw:".utf8)
                shape.append(contentsOf: raw)
                return
            }
        }
    }

    /// The characters of `value` that are ASCII digits, in order. An ASCII value is read as
    /// bytes; any other goes through `Character` (a digit followed by a combining mark is one
    /// character, and not an ASCII one).
    static func asciiDigits(_ value: String) -> String {
        if value.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: value.utf8.filter { $0 &- 0x30 < 10 }, as: UTF8.self)
        }
        return String(value.filter { $0.isASCII && $0.isNumber })
    }

    /// `phone:` E.164 through libphonenumber with the default region.
    public func phone(_ raw: String) -> NormalizedValue {
        let value = raw.trimmingASCIIWhitespace()
        if value.isEmpty { return .empty }
        if placeholders.isGeneric(value) { return .placeholder }
        let rawDigits = IdentifierNormalizer.asciiDigits(value)
        if rawDigits.count < 7 { return .placeholder }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { buffer in
            guard let e164 = buffer.baseAddress else { return .invalid }
            let national = e164 + 64
            let result = value.withCString { text in
                gp_phone_normalize(text, strlen(text), settings.phoneRegion, e164, 64, national, 64)
            }
            let nationalDigits = result == Int32(GP_PHONE_OK.rawValue) ? String(cString: national) : nil
            if placeholders.isPhonePlaceholder(rawDigits: rawDigits, nationalDigits: nationalDigits) { return .placeholder }
            guard result == Int32(GP_PHONE_OK.rawValue) else { return .invalid }
            return .identifier(Identifier(kind: .phone, value: String(cString: e164)))
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
