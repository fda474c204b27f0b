import Foundation

/// The kind of a guest-id change between two runs (docs/GUESTS.md, "Guest ids").
public enum IDChangeKind: String, Codable, Sendable, CaseIterable {
    /// The old guest's payments are now in several guests.
    case split
    /// The old guest's payments are all in one guest that also holds another old guest's.
    case merged
    /// The old guest's payments are all in one guest, holding no other old guest's, under
    /// another id: its anchor moved (an earlier first payment arrived, or the first payment's
    /// identifiers changed).
    case reanchored = "re-anchored"
    /// Found without knowing which guest each payment belonged to before: recorded by a
    /// guestpipe that kept no kinds, or by the first run after the upgrade.
    case unknown
}

/// What a run changed relative to the run before it, on one state: the "what changed" part of
/// `report.html` and `report.md`, and what `guestpipe diff` prints (kept in the state).
public struct RunDiff: Codable, Sendable, Equatable {
    /// One old id and its new id.
    public struct Change: Codable, Sendable, Equatable {
        public var old: String
        public var new: String
        public init(old: String, new: String) { self.old = old; self.new = new }
    }
    /// Previous guests (`from`) whose payments are now all in one guest (`into`) with others'.
    public struct Merge: Codable, Sendable, Equatable {
        public var into: String
        public var from: [String]
        public init(into: String, from: [String]) { self.into = into; self.from = from }
    }
    /// A previous guest whose payments are now in several guests (its own id among them if it
    /// kept it).
    public struct Split: Codable, Sendable, Equatable {
        public var from: String
        public var into: [String]
        public init(from: String, into: [String]) { self.from = from; self.into = into }
    }
    public struct TierRise: Codable, Sendable, Equatable {
        public var guestID: String
        public var from: String
        public var to: String
        enum CodingKeys: String, CodingKey { case guestID = "guest_id", from, to }
        public init(guestID: String, from: String, to: String) { self.guestID = guestID; self.from = from; self.to = to }
    }
    public struct NewDisputes: Codable, Sendable, Equatable {
        public var guestID: String
        public var count: Int
        enum CodingKeys: String, CodingKey { case guestID = "guest_id", count }
        public init(guestID: String, count: Int) { self.guestID = guestID; self.count = count }
    }

    enum CodingKeys: String, CodingKey {
        case followedPayments = "followed_payments", newGuests = "new_guests", merged, split, reanchored = "re_anchored"
        case unknownKind = "unknown_kind", tierRises = "tier_rises", newDisputes = "new_disputes"
    }

    /// Whether each payment was followed from its previous guest (the state held the previous
    /// run's membership). When false (the first run after an upgrade), id changes are found
    /// only for ids that vanished, and their kind is unknown.
    public var followedPayments: Bool
    /// Guests none of whose payments belonged to a previous guest, under an id not seen before.
    public var newGuests: [String]
    public var merged: [Merge]
    public var split: [Split]
    public var reanchored: [Change]
    public var unknownKind: [Change]
    /// Queued guests whose tier is above the highest tier of the guests they came from.
    public var tierRises: [TierRise]
    /// Guests with disputes that are new since the previous run.
    public var newDisputes: [NewDisputes]

    public init(followedPayments: Bool, newGuests: [String] = [], merged: [Merge] = [], split: [Split] = [], reanchored: [Change] = [],
                unknownKind: [Change] = [], tierRises: [TierRise] = [], newDisputes: [NewDisputes] = []) {
        self.followedPayments = followedPayments
        self.newGuests = newGuests
        self.merged = merged
        self.split = split
        self.reanchored = reanchored
        self.unknownKind = unknownKind
        self.tierRises = tierRises
        self.newDisputes = newDisputes
    }

    /// Disputes new since the previous run, over every guest.
    public var newDisputeCount: Int { newDisputes.reduce(0) { $0 + $1.count } }
    /// Previous guests merged into others, and the guests they became.
    public var mergedCounts: (from: Int, into: Int) { (merged.reduce(0) { $0 + $1.from.count }, merged.count) }
    /// Previous guests split, and the guests they became.
    public var splitCounts: (from: Int, into: Int) { (split.count, split.reduce(0) { $0 + $1.into.count }) }

    /// "3 guests merged into 1", "0 guests merged".
    public var mergedSentence: String {
        let (from, into) = mergedCounts
        return "\(from) guest\(from == 1 ? "" : "s") merged" + (from == 0 ? "" : " into \(into)")
    }
    /// "1 guest split into 2", "0 guests split".
    public var splitSentence: String {
        let (from, into) = splitCounts
        return "\(from) guest\(from == 1 ? "" : "s") split" + (from == 0 ? "" : " into \(into)")
    }

    /// "gcus_a, gcus_b → gcus_c" for each merge.
    public var mergeLines: [String] { merged.map { $0.from.joined(separator: ", ") + " → " + $0.into } }
    /// "gcus_a → gcus_a, gcus_b" for each split.
    public var splitLines: [String] { split.map { $0.from + " → " + $0.into.joined(separator: ", ") } }
}
