/// Which rule makes guests (GUESTS.md, "Grouping policies"): the name users choose with
/// `--policy` or `[grouping] policy`.
public enum GroupingPolicy: String, Sendable, CaseIterable {
    /// Card first, else email, else phone (Stripe's Checkout documentation). The default.
    case card
    /// Any one matching identifier; a payment joins the guest that used one of its identifiers
    /// most recently (Stripe's support FAQ). Not transitive.
    case dashboard
    /// Identifiers of one payment are joined; guests are the connected components of the
    /// card–email–phone graph, never joined through a placeholder or a hub.
    case linked

    /// The type that implements the policy, with the policy's own settings from `settings`.
    func rule(_ settings: GroupingSettings) -> any GroupingRule {
        switch self {
        case .card: return CardRule()
        case .dashboard: return DashboardRule()
        case .linked: return LinkedRule(limits: settings.hubLimits)
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
    /// When an email or phone is a hub (reported under every policy; `linked` does not join
    /// through hubs, so they enter only its fingerprint).
    public var hubLimits = HubLimits()

    public init() {}

    /// The chosen policy's name and its own settings (`card`, `dashboard`, `linked` and its hub limits when they are not the defaults), for the state's
    /// grouping fingerprint.
    public var policyFingerprint: String { policy.rule(self).fingerprint }
}
