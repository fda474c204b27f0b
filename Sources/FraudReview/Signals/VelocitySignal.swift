import Grouping

/// Many payments in a short time: the most within any hour, and within any 24 hours.
struct VelocitySignal: FraudSignal {
    let name = "velocity"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let t = context.thresholds
        // Neither window can hold more payments than the guest has.
        guard Double(guest.paymentCount) >= min(t.velocityPerHour, t.velocityPerDay) else { return nil }
        let times = guest.payments.map { context.ledger.entries[$0].created }  // already in time order
        let perHour = Self.maxWithin(times, seconds: 3600)
        let perDay = Self.maxWithin(times, seconds: 86_400)
        guard Double(perHour) >= t.velocityPerHour || Double(perDay) >= t.velocityPerDay else { return nil }
        let points = (Double(perHour) >= t.velocityPerHour ? t.velocityHourPoints : 0) + (Double(perDay) >= t.velocityPerDay ? t.velocityDayPoints : 0)
        return SignalFinding(signal: name, value: "\(perHour)/h,\(perDay)/d", points: points,
                             reason: "\(perHour) payments within one hour and \(perDay) within 24 hours (thresholds \(Int(t.velocityPerHour)) and \(Int(t.velocityPerDay))).")
    }

    static func maxWithin(_ times: [Int64], seconds: Int64) -> Int {
        var best = 0, start = 0
        for end in times.indices {
            while times[end] - times[start] >= seconds { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }
}
