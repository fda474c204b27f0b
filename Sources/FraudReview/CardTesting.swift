import GuestPipeCore
import Grouping

/// A card-testing burst: failed payments with fresh cards close together in time, over the whole
/// account or under one email or phone (guests.md: found across guests, not inside one).
public struct CardTestingBurst: Sendable {
    public enum Scope: String, Sendable {
        case account, email, phone
        /// Cards of one profile: brand, funding and issuing country (testers buy stolen cards by the batch).
        case cardProfile = "card_profile"
    }

    public var scope: Scope
    /// The email or phone behind the burst (normalised), `brand funding country` for a card profile,
    /// empty for account-wide bursts.
    public var identifier: String
    public var start: Int64
    public var end: Int64
    /// Ledger indices of the burst's members, in time order: every payment of the burst's shape
    /// inside its window, failed or not.
    public var payments: [Int]
    public var failures: Int
    public var distinctCards: Int
    /// Members that succeeded: cards the tester confirmed work.
    public var confirmed: [Int] = []
    /// Guests whose payments are in the burst, and those among them with a confirmed card.
    public var guests: Set<Int> = []
    public var confirmedGuests: Set<Int> = []
}

/// Finds bursts by density over time (README, "Card testing"). A payment has the burst *shape*
/// when it is a guest (or unmatched) card payment whose card was first seen at most
/// `burst_gap_minutes` earlier. Failed shaped payments are chained per email, per phone and,
/// for small ones (≤ `burst_max_amount`), per card profile (brand, funding, issuing country)
/// and over the account: a chain breaks where two follow
/// each other more than `burst_gap_minutes` apart. A chain is a burst when its members number
/// at least `burst_min_attempts`, with at least `burst_min_failures` failed and at least half as
/// many distinct cards (members: the shaped payments of the same email, phone or, over the
/// account, small amount, within `burst_gap_minutes` before the first failure and after the last); an account chain must also hold `burst_density_factor` times the failures
/// the account's scattered small failures would put in its duration (at least `burst_window_minutes`);
/// a card-profile chain likewise against its profile's scattered failures.
public enum CardTestingDetector {
    struct Shape {
        var shaped: [Bool]
        var small: [Bool]
        /// Shaped payments in time order.
        var ordered: [Int]
    }

    public static func find(ledger: PaymentLedger, grouping: GroupingResult, thresholds: FraudThresholds) -> [CardTestingBurst] {
        let shape = shapeOf(ledger: ledger, grouping: grouping, thresholds: thresholds)
        let ids = grouping.identifiers
        let gap = Int64(thresholds.burstGapMinutes * 60)
        // The shaped payments per email and per phone, in identifier order and time order
        // within each: packed (identifier, position in time order) and sorted, so no dictionary
        // and no array per identifier is made (most identifiers have one payment).
        var emailPairs: [UInt64] = [], phonePairs: [UInt64] = []
        for (position, index) in shape.ordered.enumerated() {
            if ids.email[index].isIdentifier { emailPairs.append(UInt64(ids.email[index].rawValue) << 32 | UInt64(position)) }
            if ids.phone[index].isIdentifier { phonePairs.append(UInt64(ids.phone[index].rawValue) << 32 | UInt64(position)) }
        }
        emailPairs.sort()
        phonePairs.sort()
        var bursts: [CardTestingBurst] = []
        let entries = ledger.entries
        for (scope, pairs) in [(CardTestingBurst.Scope.email, emailPairs), (.phone, phonePairs)] {
            var start = 0
            while start < pairs.count {
                let key = pairs[start] >> 32
                var end = start
                var anyFailed = false
                while end < pairs.count && pairs[end] >> 32 == key {
                    anyFailed = anyFailed || entries[shape.ordered[Int(pairs[end] & 0xFFFF_FFFF)]].status == .failed
                    end += 1
                }
                defer { start = end }
                guard anyFailed else { continue }
                let members = pairs[start..<end].map { shape.ordered[Int($0 & 0xFFFF_FFFF)] }
                let failed = members.filter { entries[$0].status == .failed }
                let id = scope == .email ? ids.email[members[0]] : ids.phone[members[0]]
                for run in chains(failed, gap: gap, ledger: ledger) {
                    let burst = make(run, members: members, scope, ids.table[id].value, ledger, thresholds)
                    if qualifies(burst, thresholds) && !bursts.contains(where: { $0.payments == burst.payments }) { bursts.append(burst) }
                }
            }
        }
        addDensityBursts(accountGroups(shape, ledger), scope: .account, to: &bursts, ledger: ledger, thresholds: thresholds)
        addDensityBursts(profileGroups(shape, ledger), scope: .cardProfile, to: &bursts, ledger: ledger, thresholds: thresholds)
        for index in bursts.indices {
            for payment in bursts[index].payments {
                guard case .guest(let guest, _) = grouping.roles[payment] else { continue }
                bursts[index].guests.insert(guest)
                if ledger.entries[payment].status.isSucceeded { bursts[index].confirmedGuests.insert(guest) }
            }
        }
        return bursts.sorted { ($0.start, $0.scope.rawValue, $0.identifier) < ($1.start, $1.scope.rawValue, $1.identifier) }
    }

    /// Which payments have the burst shape, which are small, and the shaped ones in time order.
    static func shapeOf(ledger: PaymentLedger, grouping: GroupingResult, thresholds: FraudThresholds) -> Shape {
        let entries = ledger.entries, ids = grouping.identifiers
        var firstSeen = [Int64](repeating: .max, count: ids.table.identifiers.count)
        for index in entries.indices where ids.card[index].isIdentifier {
            firstSeen[ids.card[index].index] = min(firstSeen[ids.card[index].index], entries[index].created)
        }
        let gap = Int64(thresholds.burstGapMinutes * 60)
        var shape = Shape(shaped: [Bool](repeating: false, count: entries.count), small: [Bool](repeating: false, count: entries.count), ordered: [])
        for (index, role) in grouping.roles.enumerated() {
            switch role {
            case .guest, .unmatched: break
            default: continue
            }
            let entry = entries[index]
            guard ids.card[index].isIdentifier, entry.created - firstSeen[ids.card[index].index] <= gap else { continue }
            shape.shaped[index] = true
            shape.small[index] = entry.amount <= Int64(thresholds.burstMaxAmount * pow10(entry.currency?.exponent ?? 2))
            shape.ordered.append(index)
        }
        shape.ordered.sort { (entries[$0].created, $0) < (entries[$1].created, $1) }
        return shape
    }

    /// The small shaped payments per currency (what is small in one currency is not in another).
    static func accountGroups(_ shape: Shape, _ ledger: PaymentLedger) -> [(identifier: String, members: [Int])] {
        var byCurrency: [UInt16: [Int]] = [:]
        for index in shape.ordered where shape.small[index] { byCurrency[ledger.entries[index].currencyIndex, default: []].append(index) }
        return byCurrency.keys.sorted().map { ("", byCurrency[$0]!) }
    }

    /// The small shaped payments per card profile: brand and issuing country (where the export
    /// has both) and funding (where it has it), across currencies: a tester working through one
    /// batch of stolen cards in several currencies stays one burst.
    static func profileGroups(_ shape: Shape, _ ledger: PaymentLedger) -> [(identifier: String, members: [Int])] {
        var byProfile: [[UInt32]: [Int]] = [:]
        for index in shape.ordered where shape.small[index] {
            let entry = ledger.entries[index]
            guard entry.brand != 0, entry.issueCountry != 0 else { continue }
            byProfile[[entry.brand, entry.funding, entry.issueCountry], default: []].append(index)
        }
        return byProfile.map { key, members in
            (key.filter { $0 != 0 }.map { ledger.pool[$0] }.joined(separator: " "), members)
        }.sorted { $0.identifier < $1.identifier }
    }

    /// Bursts found by density in each group: a chain qualifies on all its members when it holds
    /// `burst_density_factor` times the failures the group's scattered failures would put in its
    /// duration; when earlier bursts already hold some of its members, the others join the burst
    /// holding most of them.
    static func addDensityBursts(_ groups: [(identifier: String, members: [Int])], scope: CardTestingBurst.Scope,
                                 to contactBursts: inout [CardTestingBurst], ledger: PaymentLedger, thresholds: FraudThresholds) {
        var holder: [Int: Int] = [:]
        for (index, burst) in contactBursts.enumerated() { for payment in burst.payments { holder[payment] = index } }
        let gap = Int64(thresholds.burstGapMinutes * 60)
        let times = ledger.entries.map(\.created)
        let span = max(Double((times.max() ?? 0) - (times.min() ?? 0)), 1)
        for (identifier, members) in groups {
            let runs = chains(members.filter { ledger.entries[$0].status == .failed }, gap: gap, ledger: ledger)
            // The group's usual rate: failures outside any chain long enough to be a burst.
            let scattered = runs.filter { Double($0.count) < thresholds.burstMinAttempts }.reduce(0) { $0 + $1.count }
            for run in runs {
                let whole = make(run, members: members, scope, identifier, ledger, thresholds)
                let expected = Double(scattered) / span * max(Double(whole.end - whole.start), thresholds.burstWindowMinutes * 60)
                guard qualifies(whole, thresholds), Double(whole.failures) >= thresholds.burstDensityFactor * expected else { continue }
                let rest = whole.payments.filter { holder[$0] == nil }
                let hosts = whole.payments.compactMap { holder[$0] }
                guard let host = Set(hosts).max(by: { a, b in (hosts.filter { $0 == a }.count, b) < (hosts.filter { $0 == b }.count, a) }) else {
                    contactBursts.append(whole)
                    continue
                }
                guard !rest.isEmpty else { continue }
                let joined = (contactBursts[host].payments + rest).sorted { (ledger.entries[$0].created, $0) < (ledger.entries[$1].created, $1) }
                contactBursts[host] = make(joined, members: joined, contactBursts[host].scope, contactBursts[host].identifier, ledger, thresholds)
                for payment in rest { holder[payment] = host }
            }
        }
    }

    /// Splits time-ordered payments where two follow each other more than `gap` seconds apart.
    static func chains(_ indices: [Int], gap: Int64, ledger: PaymentLedger) -> [[Int]] {
        var result: [[Int]] = []
        for index in indices {
            if let last = result.last?.last, ledger.entries[index].created - ledger.entries[last].created <= gap {
                result[result.count - 1].append(index)
            } else {
                result.append([index])
            }
        }
        return result
    }

    static func qualifies(_ burst: CardTestingBurst, _ t: FraudThresholds) -> Bool {
        Double(burst.payments.count) >= t.burstMinAttempts && Double(burst.failures) >= t.burstMinFailures
            && burst.distinctCards * 2 >= burst.payments.count
    }

    /// A burst of the failed chain `run`: its members are the shaped `members` (time order) from
    /// `burst_gap_minutes` before the chain's first failure to as long after its last (a success
    /// that opens or ends a burst belongs to it as a failure there would).
    static func make(_ run: [Int], members: [Int], _ scope: CardTestingBurst.Scope, _ identifier: String, _ ledger: PaymentLedger,
                     _ t: FraudThresholds) -> CardTestingBurst {
        let first = ledger.entries[run.first!].created, last = ledger.entries[run.last!].created
        let gap = Int64(t.burstGapMinutes * 60)
        let payments = members.filter { ledger.entries[$0].created >= first - gap && ledger.entries[$0].created <= last + gap }
        let cards = Set(payments.map { ledger.entries[$0].card }.filter { $0 != 0 })
        let confirmed = payments.filter { ledger.entries[$0].status.isSucceeded }
        let start = payments.map { ledger.entries[$0].created }.min() ?? first
        let end = payments.map { ledger.entries[$0].created }.max() ?? last
        return CardTestingBurst(scope: scope, identifier: identifier, start: start, end: end, payments: payments,
                                failures: payments.filter { ledger.entries[$0].status == .failed }.count,
                                distinctCards: cards.count, confirmed: confirmed)
    }

    static func pow10(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
