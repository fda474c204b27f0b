import GuestPipeCore
import Grouping

/// A card-testing burst: many failed payments within minutes, over the whole account or under
/// one email or phone (guests.md: found across guests, not inside one).
public struct CardTestingBurst: Sendable {
    public enum Scope: String, Sendable { case account, email, phone }

    public var scope: Scope
    /// The email or phone behind the burst (normalised), empty for account-wide bursts.
    public var identifier: String
    public var start: Int64
    public var end: Int64
    /// Ledger indices of the payments in the burst (failed ones and successes among them).
    public var payments: [Int]
    public var failures: Int
    public var distinctCards: Int
    /// Guests whose payments are in the burst.
    public var guests: Set<Int> = []
}

/// Finds bursts with a sliding window over failed payments, per email, per phone, and over the
/// whole account (small amounts only, and far above the account's usual failure rate).
public enum CardTestingDetector {
    public static func find(ledger: PaymentLedger, grouping: GroupingResult, thresholds: FraudThresholds) -> [CardTestingBurst] {
        let entries = ledger.entries
        let window = Int64(thresholds.burstWindowMinutes * 60)
        let minFailures = max(2, Int(thresholds.burstMinFailures))
        var failedByEmail: [IdentifierID: [Int]] = [:]
        var failedByPhone: [IdentifierID: [Int]] = [:]
        var smallFailures: [Int] = []
        var allFailures = 0
        var first = Int64.max, last = Int64.min
        for (index, role) in grouping.roles.enumerated() {
            switch role {
            case .guest, .unmatched: break
            default: continue
            }
            let entry = entries[index]
            first = min(first, entry.created)
            last = max(last, entry.created)
            guard entry.status == .failed else { continue }
            allFailures += 1
            if grouping.identifiers.email[index].isIdentifier { failedByEmail[grouping.identifiers.email[index], default: []].append(index) }
            if grouping.identifiers.phone[index].isIdentifier { failedByPhone[grouping.identifiers.phone[index], default: []].append(index) }
            let limit = Int64(thresholds.burstMaxAmount * pow10(entry.currency?.exponent ?? 2))
            if entry.amount <= limit { smallFailures.append(index) }
        }
        var bursts: [CardTestingBurst] = []
        for (id, indices) in failedByEmail {
            bursts += windows(indices, scope: .email, identifier: grouping.identifiers.table[id].value, minFailures: minFailures, window: window, ledger: ledger)
        }
        for (id, indices) in failedByPhone {
            bursts += windows(indices, scope: .phone, identifier: grouping.identifiers.table[id].value, minFailures: minFailures, window: window, ledger: ledger)
        }
        // Account-wide: the window must also hold five times the failures an average window has.
        let span = first <= last ? max(Double(last) - Double(first), Double(window)) : Double(window)
        let usual = Double(allFailures) * Double(window) / span
        let accountMin = max(minFailures, Int((usual * 5).rounded(.up)))
        let covered = Set(bursts.flatMap(\.payments))
        let account = windows(smallFailures, scope: .account, identifier: "", minFailures: accountMin, window: window, ledger: ledger)
        bursts += account.filter { burst in Double(burst.payments.filter { covered.contains($0) }.count) < Double(burst.payments.count) / 2 }
        for index in bursts.indices {
            for payment in bursts[index].payments {
                if case .guest(let guest, _) = grouping.roles[payment] { bursts[index].guests.insert(guest) }
            }
        }
        return bursts.sorted { ($0.start, $0.scope.rawValue, $0.identifier) < ($1.start, $1.scope.rawValue, $1.identifier) }
    }

    /// Maximal runs of failures where each window of `window` seconds holds `minFailures`.
    static func windows(_ indices: [Int], scope: CardTestingBurst.Scope, identifier: String, minFailures: Int, window: Int64,
                        ledger: PaymentLedger) -> [CardTestingBurst] {
        guard indices.count >= minFailures else { return [] }
        let sorted = indices.sorted { ledger.entries[$0].created < ledger.entries[$1].created }
        var bursts: [CardTestingBurst] = []
        var startIndex = 0
        var current: (from: Int, to: Int)?
        for endIndex in sorted.indices {
            while ledger.entries[sorted[endIndex]].created - ledger.entries[sorted[startIndex]].created > window { startIndex += 1 }
            if endIndex - startIndex + 1 >= minFailures {
                if let open = current, startIndex <= open.to {
                    current = (open.from, endIndex)
                } else {
                    if let open = current { bursts.append(make(Array(sorted[open.from...open.to]), scope, identifier, ledger)) }
                    current = (startIndex, endIndex)
                }
            }
        }
        if let open = current { bursts.append(make(Array(sorted[open.from...open.to]), scope, identifier, ledger)) }
        return bursts.filter { $0.distinctCards * 2 >= minFailures }
    }

    static func make(_ payments: [Int], _ scope: CardTestingBurst.Scope, _ identifier: String, _ ledger: PaymentLedger) -> CardTestingBurst {
        let cards = Set(payments.map { ledger.entries[$0].card }.filter { $0 != 0 })
        return CardTestingBurst(scope: scope, identifier: identifier, start: ledger.entries[payments.first!].created,
                                end: ledger.entries[payments.last!].created, payments: payments, failures: payments.count,
                                distinctCards: cards.count)
    }

    static func pow10(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
