/// Which rule makes guests (GUESTS.md, "Grouping policies"): the name users choose with
/// `--policy` or `[grouping] policy`.
public enum GroupingPolicy: String, Sendable, CaseIterable {
    /// Card first, else email, else phone (Stripe's Checkout documentation). The default.
    case card
    /// Any one matching identifier; a payment joins the guest that used one of its identifiers
    /// most recently (Stripe's support FAQ). Not transitive.
    case dashboard

    /// The type that implements the policy, with the policy's own settings from `settings`.
    func rule(_ settings: GroupingSettings) -> any GroupingRule {
        switch self {
        case .card: return CardRule()
        case .dashboard: return DashboardRule()
        }
    }
}

/// Everything that decides how payments become guests.
public struct GroupingSettings: Sendable, Equatable {
    public var policy: GroupingPolicy = .card
    public var normalization = NormalizationSettings()
    /// Keep `Mode = Test` rows (left out and counted by default).
    public var includeTest = false
    /// Only payments created in this window (seconds, inclusive) count: `--since`/`--until`.
    public var window: ClosedRange<Int64>?

    public init() {}

    /// The chosen policy's name and its own settings (`card`, `dashboard`), for the state's
    /// grouping fingerprint.
    public var policyFingerprint: String { policy.rule(self).fingerprint }
}
