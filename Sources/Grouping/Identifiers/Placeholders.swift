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
    public var extra: Set<String>

    public init(extra: [String] = []) {
        self.extra = Set(extra.map { $0.trimmingASCIIWhitespace().lowercased() })
    }

    /// A placeholder in any column (or the pipeline's list); `value` is trimmed.
    public func isGeneric(_ value: String) -> Bool {
        let lower = value.lowercased()
        return Placeholders.anyColumn.contains(lower) || extra.contains(lower)
    }

    /// `lowered` is a trimmed, lower-cased email.
    public func isEmailPlaceholder(_ lowered: String) -> Bool {
        if isGeneric(lowered) { return true }
        guard let at = lowered.lastIndex(of: "@") else { return true }
        let local = String(lowered[..<at])
        let domain = String(lowered[lowered.index(after: at)...])
        if local.isEmpty || domain.isEmpty { return true }
        if Placeholders.emailLocalParts.contains(local) { return true }
        if Placeholders.reservedDomains.contains(domain) { return true }
        if ["example", "test", "invalid", "localhost"].contains(domain) { return true }
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
