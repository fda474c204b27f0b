import GuestPipeCore
import Grouping

/// Part of a card-testing burst found across guests; every guest a burst touched inherits it.
struct CardTestingSignal: FraudSignal {
    let name = "card_testing"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        guard let indices = context.burstsByGuest[Self.guestIndex(guest, context)], !indices.isEmpty else { return nil }
        let burst = indices.map { context.bursts[$0] }.max { $0.failures < $1.failures }!
        let minutes = max(1, Int((Double(burst.end - burst.start) / 60).rounded(.up)))
        let behind = burst.scope == .account ? "across the account" : "under one \(burst.scope.rawValue)"
        return SignalFinding(signal: name, value: "\(burst.failures)", points: context.thresholds.cardTestingPoints,
                             reason: "Card testing: \(burst.failures) failed payments with \(burst.distinctCards) cards within \(minutes) minute\(minutes == 1 ? "" : "s") \(behind) (\(UTCTime.formatMinutes(burst.start)) UTC).")
    }

    static func guestIndex(_ guest: GuestSummary, _ context: FraudContext) -> Int {
        if case .guest(let index, _) = context.grouping.roles[guest.payments[0]] { return index }
        return -1
    }
}
