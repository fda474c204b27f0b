import Codecs
import Glibc
import GuestPipeCore

/// What a planted or generated payment is, for `guestpipe sample --truth`: the answer key a
/// fraud-quality benchmark scores the review queue against. Ordinary payments have none.
public enum SampleTruth: String, Sendable, CaseIterable {
    case cardTesting = "card-testing"
    /// A payment of a card-testing burst that succeeded: a card the tester confirmed.
    case confirmedCard = "confirmed-card"
    case disputeHeavy = "dispute-heavy"
    case refundAbuser = "refund-abuser"
    case cardWithManyEmails = "card-with-many-emails"
    case velocitySpike = "velocity-spike"
}

extension SampleGenerator {
    /// Burst `index` of `plantedBursts`: its size (5 to 500, spread evenly on a log scale), its
    /// duration (2 to 120 minutes) and what its attempts share (an email, a phone, or nothing).
    static func plantedBurstShape(_ index: Int, of count: Int, random: inout SeededRandom) -> (size: Int, seconds: Int64, contact: Int) {
        let position = count > 1 ? Double(index) / Double(count - 1) : 0
        let size = Int((5.0 * pow(100.0, position)).rounded())
        let minutes = 2.0 * pow(60.0, Double(random.below(1001)) / 1000)
        return (size, Int64(minutes * 60), index % 3)
    }

    /// The planted card-testing bursts of day `day` (burst `i` falls on day `i % days`): fresh cards,
    /// amounts of 0.50 to 2.00, about one attempt in seven succeeding (at least one per burst).
    func plantedBursts(day: Int, dayStart: Int64) -> [SamplePayment] {
        var random = SeededRandom(seed: options.seed, stream: 1_000_000 + UInt64(day))
        var result: [SamplePayment] = []
        for index in stride(from: day, to: options.plantedBursts, by: max(1, options.days)) {
            let shape = Self.plantedBurstShape(index, of: options.plantedBursts, random: &random)
            let start = dayStart + Int64(random.below(86_400 - 7300))
            let email = shape.contact == 0 ? "tester\(index)." + random.digits(5) + "@" + random.pick(["mailinator.com", "gmail.com", "proton.me"]) : ""
            let phone = shape.contact == 1 ? "+1415" + String(2 + random.below(8)) + random.digits(6) : ""
            let winner = random.below(shape.size)
            for attempt in 0..<shape.size {
                let stranger = Person.stranger(random: &random, email: email)
                let offset = shape.size > 1 ? shape.seconds * Int64(attempt) / Int64(shape.size - 1) : 0
                var p = SamplePayment.make(person: stranger, created: start + offset, random: &random)
                p.card = stranger.cards[0]
                p.sourceType = "card"
                p.id = "ch_3" + random.token(23)
                p.testMode = false
                p.customerID = ""
                p.phone = phone
                p.amount = 50 * Int64(1 + random.below(4))
                p.currency = "usd"
                p.refund = 0
                p.laterRefund = 0
                p.dispute = nil
                p.laterDispute = nil
                let succeeds = attempt == winner || random.chance(0.15)
                p.status = succeeds ? "Paid" : "Failed"
                p.declineReason = succeeds ? "" : random.pick(["card_declined", "incorrect_cvc", "do_not_honor", "stolen_card"])
                p.cvcCheck = succeeds ? "pass" : random.pick(["fail", "pass", "unavailable"])
                p.truth = succeeds ? SampleTruth.confirmedCard.rawValue : SampleTruth.cardTesting.rawValue
                result.append(p)
            }
        }
        return result
    }

    /// Writes the truth file: `payment_id,truth` for every payment that is not ordinary, over all days.
    public func writeTruth(to path: String) throws {
        let file = try OutputFile(path: path, compression: .none)
        var text = "payment_id,truth\n"
        for day in 0..<options.days {
            for payment in payments(ofDay: day) where !payment.truth.isEmpty && !payment.id.isEmpty {
                text += payment.id + "," + payment.truth + "\n"
            }
        }
        try Array(text.utf8).withUnsafeBytes { try file.write(bytes: $0) }
        try file.close()
    }
}
