import Foundation
import FraudReview
import Grouping
import Reports

extension GuestRun {
    /// The guest ids this run changed, with their kinds; every change recorded before; and the
    /// run's membership, which the commit keeps for the next run.
    struct IDChanges {
        /// Every change recorded before this run (from the state).
        var previous: [StoredIDChange] = []
        /// This run's changes, in (old id, new id) byte order.
        var new: [IDChange] = []
        /// Where this run's guests came from; nil when the previous run's membership is not
        /// known (no state, a run that does not commit, a state written before snapshots).
        var lineage: GuestLineage?
        /// This run's membership, for the commit (runs that commit only).
        var membership: MembershipSnapshot?
        /// Why the previous membership could not be used.
        var warnings: [String] = []

        /// Every change, for `id_changes.csv`: those recorded before (a pair recorded again is
        /// replaced, as in the state) and this run's, which is run `run`.
        func rows(run: Int64, changedAt: String) -> [(old: String, new: String, kind: String, run: String, changedAt: String)] {
            let again = Set(new.map { [$0.old, $0.new] })
            return previous.filter { !again.contains([$0.change.old, $0.change.new]) }
                .map { ($0.change.old, $0.change.new, $0.change.kind.rawValue, String($0.run), $0.changedAt) }
                + new.map { ($0.old, $0.new, $0.kind.rawValue, String(run), changedAt) }
        }
    }

    /// With the previous run's membership, every current guest holding a previous guest's
    /// payments under another id is a change (`GuestLineage.changes`). Without it (the first
    /// run after an upgrade; reports and windows, which compare nothing), only ids that
    /// vanished are found: the successor is the guest now holding the old id's first payment,
    /// and the kind is unknown.
    static func idChanges(_ session: StateSession, _ built: LedgerBuilder.Built, _ grouped: Grouped, _ settings: RunSettings) throws -> IDChanges {
        guard let store = session.store else { return IDChanges() }
        var changes = IDChanges(previous: try store.idChanges())
        let currentIDs = grouped.guests.map(\.id)
        if session.commits(settings) {
            let membership = MembershipSnapshot(guests: grouped.guests, ledger: built.ledger)
            changes.membership = membership
            do {
                changes.lineage = try store.membership().map { GuestLineage(previous: $0, current: membership) }
            } catch let error as MembershipSnapshot.Unreadable {
                changes.warnings.append("the state's record of the last run's guests cannot be used (\(error.reason)); "
                    + "this run finds only vanished guest ids and records their kind as unknown; the next run is back to normal")
            }
        }
        if let lineage = changes.lineage {
            // Only the changed ids' first payments are read: the whole registry is ~2 µs a guest.
            var new = lineage.changes(currentIDs: currentIDs)
            let firstPayments = try store.firstPayments(of: Set(new.map(\.old)))
            for index in new.indices { new[index].firstPayment = firstPayments[new[index].old] }
            changes.new = new
            return changes
        }
        let current = Set(currentIDs)
        for (old, firstPayment) in try store.registry() where !current.contains(old) {
            guard let index = built.ledger.index(ofKey: firstPayment), case .guest(let group, _) = grouped.grouping.roles[index] else { continue }
            changes.new.append(IDChange(old: old, new: grouped.idOfGroup[group], kind: .unknown, firstPayment: firstPayment))
        }
        changes.new.sort(by: IDChange.byteOrder)
        return changes
    }
}

extension RunDiff {
    /// What a run changed since the previous run: `previous` is that run's tier and disputes
    /// per guest id. A guest's "before" is its own id's and those of the guests it came from (T
    /// with a lineage, else the old ids recorded into it).
    static func compute(guests: [GuestSummary], queue: [ReviewEntry], previous: [String: StateStore.PreviousGuest],
                        changes: [IDChange], lineage: GuestLineage?) -> RunDiff {
        let recordedInto = lineage == nil ? Dictionary(grouping: changes, by: \.new).mapValues { $0.map(\.old) } : [:]
        func predecessors(_ guest: Int) -> [String] {
            guard let lineage else { return recordedInto[guests[guest].id] ?? [] }
            return lineage.sources(of: guest).map { lineage.previousIDs[Int($0)] }
        }
        func hasPredecessors(_ guest: Int) -> Bool {
            lineage.map { !$0.sources(of: guest).isEmpty } ?? (recordedInto[guests[guest].id] != nil)
        }
        var diff = RunDiff(followedPayments: lineage != nil)
        diff.newGuests = guests.indices.filter { previous[guests[$0].id] == nil && !hasPredecessors($0) }.map { guests[$0].id }
        diff.merged = Dictionary(grouping: changes.filter { $0.kind == .merged }, by: \.new)
            .map { Merge(into: $0.key, from: $0.value.map(\.old)) }
            .sorted { $0.into < $1.into }
        diff.split = lineage?.splits(currentIDs: guests.map(\.id)) ?? []
        diff.reanchored = changes.filter { $0.kind == .reanchored }.map { Change(old: $0.old, new: $0.new) }
        diff.unknownKind = changes.filter { $0.kind == .unknown }.map { Change(old: $0.old, new: $0.new) }
        func tier(_ id: String) -> ReviewEntry.Tier { ReviewEntry.Tier(rawValue: previous[id]?.tier ?? "none") ?? .none }
        for entry in queue {
            let before = predecessors(entry.guest).map(tier).reduce(tier(entry.guestID), max)
            if before < entry.tier { diff.tierRises.append(TierRise(guestID: entry.guestID, from: before.rawValue, to: entry.tier.rawValue)) }
        }
        for (index, guest) in guests.enumerated() where guest.disputes > 0 {
            let count: Int
            if let lineage {
                count = lineage.newDisputes[index]
            } else {
                let before = Set([guest.id] + predecessors(index)).reduce(0) { $0 + (previous[$1]?.disputes ?? 0) }
                count = max(0, guest.disputes - before)
            }
            if count > 0 { diff.newDisputes.append(NewDisputes(guestID: guest.id, count: count)) }
        }
        return diff
    }
}

extension GuestLineage {
    /// Each previous guest now in several guests, with all of them (its own id too if a guest
    /// still has it), in id byte order.
    func splits(currentIDs: [String]) -> [RunDiff.Split] {
        previousIDs.indices.compactMap { previous in
            let held = successors(of: previous)
            return held.count >= 2 ? RunDiff.Split(from: previousIDs[previous], into: held.map { currentIDs[Int($0)] }) : nil
        }
    }
}
