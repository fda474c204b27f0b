import Foundation
import GuestPipeCore
import Grouping

/// `guestpipe guest LOOKUP`: find a guest in a state by guest id (or an old id), email, phone,
/// card fingerprint or payment id, for customer-service questions.
public enum GuestLookup {
    public struct Found {
        public var summary: GuestSummary
        /// How the query matched: "guest id", "former guest id gcus_…", "email", …
        public var matchedBy: String
        public var payments: [(id: String, created: Int64, amount: String, currency: String, status: String, matched: String)]
    }

    public static func find(_ query: String, settings: RunSettings) throws -> Found? {
        let session = try StateSession.open(settings, for: .lookUp)
        guard let store = session.store else { preconditionFailure("a look-up session has a state") }
        let key = session.key
        let sources = session.sources
        let built = try LedgerBuilder.build(sources: sources, jobs: 1, progress: { _ in })
        let grouping = Grouper(settings: settings.grouping).group(built.ledger)
        let generator = GuestIDGenerator(keyBytes: key.bytes)
        let ids = grouping.guests.map { generator.id(forAnchor: $0.anchor.text) }
        let trimmed = query.trimmingASCIIWhitespace()

        var guestIndex: Int?
        var matchedBy = ""
        if trimmed.hasPrefix("gcus_") {
            var target = trimmed
            var seen = Set<String>()
            let changes = Dictionary(try store.idChanges().map { ($0.old, $0.new) }, uniquingKeysWith: { $1 })
            while let next = changes[target], seen.insert(target).inserted, !ids.contains(target) { target = next }
            guestIndex = ids.firstIndex(of: target)
            matchedBy = target == trimmed ? "guest id" : "former guest id \(trimmed), now \(target)"
        } else if let index = built.ledger.index(ofKey: trimmed) {
            if case .guest(let guest, _) = grouping.roles[index] { guestIndex = guest }
            matchedBy = "payment id"
        } else {
            let normalizer = IdentifierNormalizer(settings: settings.grouping.normalization)
            var candidates: [(Identifier, String)] = []
            if trimmed.contains("@"), case .identifier(let email) = normalizer.email(trimmed) { candidates.append((email, "email")) }
            if trimmed.rangeOfCharacter(from: .letters) == nil, case .identifier(let phone) = normalizer.phone(trimmed) { candidates.append((phone, "phone")) }
            if case .identifier(let card) = normalizer.card(trimmed) { candidates.append((card, "card fingerprint")) }
            search: for (identifier, label) in candidates {
                for (index, role) in grouping.roles.enumerated() {
                    guard case .guest(let guest, _) = role, grouping.identifiers.of(index).contains(identifier) else { continue }
                    guestIndex = guest
                    matchedBy = label
                    break search
                }
            }
        }
        guard let guestIndex else { return nil }
        let summary = GuestSummary(id: ids[guestIndex], group: grouping.guests[guestIndex], ledger: built.ledger, identifiers: grouping.identifiers)
        let payments = summary.payments.map { index -> (String, Int64, String, String, String, String) in
            let entry = built.ledger.entries[index]
            var matched = ""
            if case .guest(_, let kind) = grouping.roles[index] { matched = kind.rawValue }
            return (built.ledger.key(index), entry.created, MinorUnits.format(entry.amount, exponent: entry.currency?.exponent ?? 2),
                    entry.currency?.code ?? "", entry.status.rawValue, matched)
        }
        return Found(summary: summary, matchedBy: matchedBy, payments: payments)
    }
}
