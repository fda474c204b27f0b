import GuestPipeCore

/// Values that never identify anyone (guests.md, Grouping: Placeholders). Comparisons are
/// case-insensitive; the pipeline can add its own values.
public struct Placeholders: Sendable {
    /// Placeholders in any column.
    public static let anyColumn: Set<String> = ["n/a", "na", "none", "null", "-", "unknown"]
    /// Email local parts that mean "no email", at any domain.
    public static let emailLocalParts: Set<String> = [
        "test", "noemail", "no-email", "noreply", "no-reply", "donotreply", "do-not-reply", "none",
        "null", "na", "n/a", "unknown", "nobody",
    ]
    /// Reserved domains (RFC 2606 / 6761); subdomains of the suffix forms are reserved too.
    public static let reservedDomains: Set<String> = ["example.com", "example.net", "example.org", "localhost"]
    public static let reservedSuffixes = [".example", ".test", ".invalid", ".localhost", ".example.com", ".example.net", ".example.org"]

    /// The pipeline's own values (`--placeholder VALUE`), lower-cased.
    public private(set) var extra: Set<String>
    /// UTF-8 length of the longest generic placeholder: an ASCII value longer than it is none
    /// of them (lower-casing keeps an ASCII value's length, and a non-ASCII spelling equal to
    /// an ASCII one is never shorter), so most values skip `lowercased()` and the look-ups.
    private let longestGeneric: Int

    public init(extra: [String] = []) {
        self.extra = Set(extra.map { $0.trimmingASCIIWhitespace().lowercased() })
        longestGeneric = Placeholders.anyColumn.union(self.extra).map(\.utf8.count).max() ?? 0
    }

    /// A placeholder in any column (or the pipeline's list); `value` is trimmed.
    public func isGeneric(_ value: String) -> Bool {
        if value.utf8.count > longestGeneric && value.utf8.allSatisfy({ $0 < 0x80 }) { return false }
        let lower = value.lowercased()
        return Placeholders.anyColumn.contains(lower) || extra.contains(lower)
    }

    /// `isEmailPlaceholder` for the bytes of a trimmed, lower-cased ASCII email (what the
    /// `String` version decides, without making strings).
    func isEmailPlaceholder(ascii lowered: UnsafeBufferPointer<UInt8>) -> Bool {
        if lowered.count <= longestGeneric && isGeneric(String(decoding: lowered, as: UTF8.self)) { return true }
        guard let at = lowered.lastIndex(of: UInt8(ascii: "@")) else { return true }
        let local = UnsafeBufferPointer(rebasing: lowered[..<at])
        let domain = UnsafeBufferPointer(rebasing: lowered[(at + 1)...])
        if local.isEmpty || domain.isEmpty { return true }
        if local.count <= Placeholders.longestLocalPart && Placeholders.emailLocalParts.contains(String(decoding: local, as: UTF8.self)) {
            return true
        }
        if domain.count <= Placeholders.longestDomain {
            let text = String(decoding: domain, as: UTF8.self)
            if Placeholders.reservedDomains.contains(text) || Placeholders.bareReservedDomains.contains(text) { return true }
        }
        return Placeholders.reservedSuffixes.contains { suffix in
            domain.count >= suffix.utf8.count && domain.suffix(suffix.utf8.count).elementsEqual(suffix.utf8)
        }
    }

    private static let bareReservedDomains: Set<String> = ["example", "test", "invalid", "localhost"]
    private static let longestLocalPart = emailLocalParts.map(\.utf8.count).max() ?? 0
    private static let longestDomain = reservedDomains.union(bareReservedDomains).map(\.utf8.count).max() ?? 0

    /// `lowered` is a trimmed, lower-cased email.
    public func isEmailPlaceholder(_ lowered: String) -> Bool {
        if isGeneric(lowered) { return true }
        guard let at = lowered.lastIndex(of: "@") else { return true }
        let local = String(lowered[..<at])
        let domain = String(lowered[lowered.index(after: at)...])
        if local.isEmpty || domain.isEmpty { return true }
        if Placeholders.emailLocalParts.contains(local) { return true }
        if Placeholders.reservedDomains.contains(domain) { return true }
        if Placeholders.bareReservedDomains.contains(domain) { return true }
        return Placeholders.reservedSuffixes.contains { domain.hasSuffix($0) }
    }

    /// Phone placeholders by digits: fewer than 7 digits; a national number of one repeated
    /// digit; `1234567890`, `0123456789`.
    public func isPhonePlaceholder(rawDigits: String, nationalDigits: String?) -> Bool {
        if rawDigits.count < 7 { return true }
        for digits in [rawDigits, nationalDigits].compactMap({ $0 }) {
            if let first = digits.first, digits.allSatisfy({ $0 == first }) { return true }
            if digits == "1234567890" || digits == "0123456789" { return true }
        }
        return false
    }
}
