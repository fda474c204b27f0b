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
        /// Under `linked`: the joins that made the guest (`guest_links.csv`'s rows), in payment order.
        public var links: [Link] = []
        /// The payment the look-up named, when it was a payment id.
        public var payment: String?

        /// The one chain of joins between two of the guest's payments (the links form a tree):
        /// payment ids with the identifier shared between each and the next. Nil when either
        /// payment is not the guest's or the guest has no links (not `linked`).
        public func path(from start: String, to end: String) -> [(payment: String, via: String?)]? {
            let ids = Set(payments.map(\.id))
            guard ids.contains(start), ids.contains(end) else { return nil }
            if start == end { return [(start, nil)] }
            var neighbours: [String: [(String, String)]] = [:]
            for link in links {
                let via = link.kind + " " + link.identifier
                neighbours[link.payment, default: []].append((link.earlier, via))
                neighbours[link.earlier, default: []].append((link.payment, via))
            }
            var cameFrom: [String: (String, String)] = [:]
            var queue = [start], next = 0
            var seen: Set<String> = [start]
            while next < queue.count {
                let current = queue[next]
                next += 1
                for (other, via) in neighbours[current] ?? [] where seen.insert(other).inserted {
                    cameFrom[other] = (current, via)
                    queue.append(other)
                }
            }
            guard cameFrom[end] != nil else { return nil }
            var chain: [(payment: String, via: String?)] = [(end, nil)]
            var current = end
            while let (previous, via) = cameFrom[current] {
                chain.insert((previous, via), at: 0)
                current = previous
            }
            return chain
        }
    }

    /// One join of the `linked` policy, as `guest_links.csv` shows it.
    public struct Link {
        public var payment: String
        public var kind: String
        public var identifier: String
        public var earlier: String
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
        var lookedUpPayment: String?
        if trimmed.hasPrefix("gcus_") {
            if let index = ids.firstIndex(of: trimmed) {
                guestIndex = index
                matchedBy = "guest id"
            } else if let found = follow(trimmed, changes: try store.idChanges(), ids: ids, ledger: built.ledger, grouping: grouping) {
                guestIndex = found.guest
                let now = ids[found.guest]
                matchedBy = found.successors.count > 1
                    ? "former guest id \(trimmed), split into \(found.successors.joined(separator: ", ")); shown: \(now)\(found.byFirstPayment ? " (holds its first payment)" : "")"
                    : "former guest id \(trimmed), now \(now)"
            }
        } else if let index = built.ledger.index(ofKey: trimmed) {
            if case .guest(let guest, _) = grouping.roles[index] { guestIndex = guest }
            matchedBy = "payment id"
            lookedUpPayment = trimmed
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
        summary.groupIndex = guestIndex
        let payments = summary.payments.map { index -> (String, Int64, String, String, String, String) in
            let entry = built.ledger.entries[index]
            var matched = ""
            if case .guest(_, let kind) = grouping.roles[index] { matched = kind.rawValue }
            return (built.ledger.key(index), entry.created, MinorUnits.format(entry.amount, exponent: entry.currency?.exponent ?? 2),
                    entry.currency?.code ?? "", entry.status.rawValue, matched)
        }
        var found = Found(summary: summary, matchedBy: matchedBy, payments: payments)
        found.payment = lookedUpPayment
        for link in grouping.links {
            guard case .guest(guestIndex, _) = grouping.roles[link.payment] else { continue }
            let identifier = grouping.identifiers.table[link.via]
            found.links.append(Link(payment: built.ledger.key(link.payment), kind: identifier.kind.rawValue, identifier: identifier.value,
                                    earlier: built.ledger.key(link.earlier)))
        }
        return found
    }

    /// The guest an old id leads to: the one now holding the old id's first payment; failing
    /// that (the payment is gone, or the change was recorded before first payments were kept),
    /// the first current guest reached through the recorded successors, breadth first. Also the
    /// old id's successors as last recorded (several after a split).
    static func follow(_ old: String, changes: [StoredIDChange], ids: [String], ledger: PaymentLedger,
                       grouping: GroupingResult) -> (guest: Int, successors: [String], byFirstPayment: Bool)? {
        let byOld = Dictionary(grouping: changes, by: \.change.old)
        func latest(_ id: String) -> [IDChange] {
            guard let rows = byOld[id], let run = rows.map(\.run).max() else { return [] }
            return rows.filter { $0.run == run }.map(\.change)
        }
        let rows = latest(old)
        guard !rows.isEmpty else { return nil }
        let successors = rows.map(\.new)
        if let key = rows.compactMap(\.firstPayment).first, let index = ledger.index(ofKey: key), case .guest(let guest, _) = grouping.roles[index] {
            return (guest, successors, true)
        }
        var queue = successors[...], seen: Set = [old]
        while let next = queue.popFirst() {
            guard seen.insert(next).inserted else { continue }
            if let guest = ids.firstIndex(of: next) { return (guest, successors, false) }
            queue.append(contentsOf: latest(next).map(\.new))
        }
        return nil
    }
}
