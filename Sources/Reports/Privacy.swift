import Crypto
import Foundation

/// How personal data appears in an output (guests.md, Privacy): `full`, `masked`
/// (`j***@example.com`, `+1 ***-***-0100`) or `pseudonymised` (a keyed hash with its own key,
/// never the guest-id key). Cards never appear as more than brand + last 4.
public enum PrivacyMode: String, Sendable, CaseIterable {
    case full, masked, pseudonymised
}

public struct PrivacyFormatter: Sendable {
    public let mode: PrivacyMode
    private let key: [UInt8]

    /// `pseudonymKey` is required for `pseudonymised`.
    public init(mode: PrivacyMode, pseudonymKey: [UInt8] = []) {
        self.mode = mode
        key = pseudonymKey
    }

    public func email(_ value: String) -> String {
        switch mode {
        case .full: return value
        case .masked:
            guard let at = value.lastIndex(of: "@"), at != value.startIndex else { return "***" }
            return String(value[value.startIndex]) + "***" + String(value[at...])
        case .pseudonymised: return pseudonym(value, "email")
        }
    }

    /// Phones are E.164 (`+14155550100`): masked keeps the country code and the last four digits.
    public func phone(_ value: String) -> String {
        switch mode {
        case .full: return value
        case .masked:
            let digits = value.filter(\.isNumber)
            guard digits.count > 4 else { return "***" }
            let last4 = String(digits.suffix(4))
            let country = value.hasPrefix("+1") ? "+1" : (value.hasPrefix("+") ? "+" + String(digits.prefix(2)) : "")
            return (country.isEmpty ? "" : country + " ") + "***-***-" + last4
        case .pseudonymised: return pseudonym(value, "phone")
        }
    }

    /// Any other identifying value (a card fingerprint in human-facing text).
    public func other(_ value: String) -> String {
        switch mode {
        case .full: return value
        case .masked: return value.isEmpty ? "" : "***"
        case .pseudonymised: return pseudonym(value, "id")
        }
    }

    private func pseudonym(_ value: String, _ kind: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((kind + ":" + value).utf8), using: SymmetricKey(data: key))
        return kind + "_" + mac.prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}
