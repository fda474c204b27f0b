import GuestPipeCore

/// Fraud scenarios planted in the synthetic data, so tests and demos can check that fraud
/// review puts them at the top of the queue with the right reasons.
public enum PlantedCase: String, CaseIterable, Sendable {
    case disputeHeavy = "dispute-heavy"
    case refundAbuser = "refund-abuser"
    case cardWithManyEmails = "card-with-many-emails"
    case velocitySpike = "velocity-spike"
    case cardTesting = "card-testing"

    /// The card fingerprint (or, for card testing, the email) that identifies the planted guest(s).
    public var marker: String {
        switch self {
        case .disputeHeavy: return "PLdisputeheavy01"
        case .refundAbuser: return "PLrefundabuser01"
        case .cardWithManyEmails: return "PLmanyemails0001"
        case .velocitySpike: return "PLvelocity000001"
        case .cardTesting: return "planted.tester@mailinator.com"
        }
    }

    /// The signal fraud review should name for it.
    public var expectedSignal: String {
        switch self {
        case .disputeHeavy: return "disputes"
        case .refundAbuser: return "refund_rate"
        case .cardWithManyEmails: return "emails_per_card"
        case .velocitySpike: return "velocity"
        case .cardTesting: return "card_testing"
        }
    }
}

extension SampleGenerator {
    /// How many payments the planted cases add (with `plantFraudCases`).
    public static let plantedPaymentCount = 5 + 8 + 6 + 12 + 20

    /// The planted payments of one day (created within that day).
    func plantedPayments(dayStart: Int64, random: inout SeededRandom) -> [SamplePayment] {
        var payments = plantedPaymentsUnlabelled(dayStart: dayStart, random: &random)
        for index in payments.indices {
            let card = payments[index].card?.fingerprint ?? ""
            let truth: SampleTruth = card == PlantedCase.disputeHeavy.marker ? .disputeHeavy : card == PlantedCase.refundAbuser.marker ? .refundAbuser
                : card == PlantedCase.cardWithManyEmails.marker ? .cardWithManyEmails : card == PlantedCase.velocitySpike.marker ? .velocitySpike : .cardTesting
            payments[index].truth = truth.rawValue
            // One buyer behind each case; card-testing attempts stay strangers, one person each.
            if truth != .cardTesting, let planted = PlantedCase.allCases.firstIndex(where: { $0.rawValue == truth.rawValue }) {
                payments[index].person = .planted(planted)
            }
        }
        return payments
    }

    private func plantedPaymentsUnlabelled(dayStart: Int64, random: inout SeededRandom) -> [SamplePayment] {
        var result: [SamplePayment] = []
        func card(_ fingerprint: String) -> SampleCard {
            var card = SampleCard.make(country: "US", random: &random)
            card.fingerprint = fingerprint
            return card
        }
        func payment(_ card: SampleCard?, email: String, at offset: Int64, amount: Int64 = 4900) -> SamplePayment {
            var p = SamplePayment.make(person: Person.stranger(random: &random, email: email), created: dayStart + offset, random: &random)
            p.card = card
            p.sourceType = "card"
            p.id = "ch_3" + random.token(23)
            p.status = "Paid"
            p.amount = amount
            p.currency = "usd"
            p.refund = 0
            p.laterRefund = 0
            p.dispute = nil
            p.laterDispute = nil
            p.declineReason = ""
            p.cvcCheck = "pass"
            p.testMode = false
            p.customerID = ""
            p.phone = ""
            return p
        }
        // A guest whose payments are disputed as fraudulent, two of them lost.
        let heavy = card(PlantedCase.disputeHeavy.marker)
        for index in 0..<5 {
            var p = payment(heavy, email: "dispute.heavy@proton.me", at: 3600 * Int64(2 + index * 3))
            if index < 3 {
                p.dispute = SamplePayment.Dispute(amount: p.amount, date: p.created + 7200, reason: "fraudulent", status: index < 2 ? "lost" : "needs_response")
            }
            result.append(p)
        }
        // A guest who has almost every purchase refunded.
        let refunder = card(PlantedCase.refundAbuser.marker)
        for index in 0..<8 {
            var p = payment(refunder, email: "refund.lover@gmail.com", at: 1800 + 9000 * Int64(index))
            if index < 7 { p.refund = p.amount; p.status = "Refunded" }
            result.append(p)
        }
        // One card used with six different emails.
        let shared = card(PlantedCase.cardWithManyEmails.marker)
        for index in 0..<6 {
            result.append(payment(shared, email: "alias\(index).shopper@yahoo.com", at: 5000 + 11_000 * Int64(index)))
        }
        // Twelve successful payments within forty minutes.
        let fast = card(PlantedCase.velocitySpike.marker)
        for index in 0..<12 {
            result.append(payment(fast, email: "fast.buyer@icloud.com", at: 50_000 + 200 * Int64(index)))
        }
        // Card testing: twenty small failures with twenty cards in five minutes, one email.
        for index in 0..<20 {
            var p = payment(card(random.token(16)), email: PlantedCase.cardTesting.marker, at: 70_000 + 15 * Int64(index), amount: 100)
            p.status = "Failed"
            p.declineReason = "card_declined"
            p.cvcCheck = "fail"
            result.append(p)
        }
        return result
    }
}
