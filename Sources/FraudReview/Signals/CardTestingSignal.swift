import GuestPipeCore
import Grouping

/// Part of a card-testing burst found across guests; every guest a burst touched inherits it.
struct CardTestingSignal: FraudSignal {
    let name = "card_testing"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        guard let indices = context.burstsByGuest[Self.guestIndex(guest, context)], !indices.isEmpty else { return nil }
        let burst = indices.map { context.bursts[$0] }.max { $0.failures < $1.failures }!
        let minutes = max(1, Int((Double(burst.end - burst.start) / 60).rounded(.up)))
        let behind: String
        switch burst.scope {
        case .account: behind = "across the account"
        case .cardProfile: behind = "on cards of one profile (\(burst.identifier))"
        case .email, .phone: behind = "under one \(burst.scope.rawValue)"
        }
        return SignalFinding(signal: name, value: "\(burst.failures)", points: context.thresholds.cardTestingPoints,
                             reason: "Card testing: \(burst.failures) failed payments with \(burst.distinctCards) cards within \(minutes) minute\(minutes == 1 ? "" : "s") \(behind) (\(UTCTime.formatMinutes(burst.start)) UTC).")
    }

    static func guestIndex(_ guest: GuestSummary, _ context: FraudContext) -> Int {
        if guest.groupIndex >= 0 { return guest.groupIndex }
        if case .guest(let index, _) = context.grouping.roles[guest.payments[0]] { return index }
        return -1
    }
}

/// A payment of the guest succeeded inside a card-testing burst: a card the tester confirmed
/// works, about to be used for real fraud.
struct ConfirmedCardSignal: FraudSignal {
    static let signalName = "confirmed_card"
    let name = Self.signalName

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let guestIndex = CardTestingSignal.guestIndex(guest, context)
        guard let indices = context.burstsByGuest[guestIndex] else { return nil }
        let mine = Set(guest.payments)
        let confirmed = indices.flatMap { context.bursts[$0].confirmed }.filter { mine.contains($0) }
        guard let first = confirmed.min(by: { context.ledger.entries[$0].created < context.ledger.entries[$1].created }) else { return nil }
        let count = confirmed.count
        return SignalFinding(signal: name, value: "\(count)", points: context.thresholds.confirmedCardPoints,
                             reason: "Confirmed card: \(count) payment\(count == 1 ? "" : "s") succeeded inside a card-testing burst (\(UTCTime.formatMinutes(context.ledger.entries[first].created)) UTC); the tester knows this card works.")
    }
}
