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

    /// `phone:` E.164 through libphonenumber with the default region.
    public func phone(_ raw: String) -> NormalizedValue {
        let value = raw.trimmingASCIIWhitespace()
        if value.isEmpty { return .empty }
        if placeholders.isGeneric(value) { return .placeholder }
        let rawDigits = String(value.filter { $0.isASCII && $0.isNumber })
        if rawDigits.count < 7 { return .placeholder }
        var e164 = [CChar](repeating: 0, count: 64)
        var national = [CChar](repeating: 0, count: 64)
        let result = value.withCString { text in
            gp_phone_normalize(text, strlen(text), settings.phoneRegion, &e164, e164.count, &national, national.count)
        }
        let nationalDigits = result == Int32(GP_PHONE_OK.rawValue) ? String(cString: national) : nil
        if placeholders.isPhonePlaceholder(rawDigits: rawDigits, nationalDigits: nationalDigits) { return .placeholder }
        guard result == Int32(GP_PHONE_OK.rawValue) else { return .invalid }
        return .identifier(Identifier(kind: .phone, value: String(cString: e164)))
    }
}

#if canImport(Glibc)
import Glibc
#endif
