import Codecs
import GuestPipeCore

/// Settings of `guestpipe sample`.
public struct SampleOptions: Sendable {
    /// The largest sample the generator makes (its tables are sized by these).
    public static let maximumPayments = 200_000_000
    public static let maximumDays = 36_600
    /// Distinct payments over all days (re-exported copies come on top).
    public var payments = 2_000
    public var days = 3
    public var seed: UInt64 = 1
    public var layout: SampleLayout = .newAll
    /// Only what `OutputFile` writes, so a file's name always matches its bytes.
    public var compression: OutputCompression = .zstd
    /// First day, seconds since the epoch (midnight UTC).
    public var firstDay: Int64 = UTCTime.daysFromCivil(year: 2026, month: 3, day: 1).asSeconds
    /// Each day's file also carries the previous day's payments again, updated (refunds, disputes).
    public var overlap = true
    /// Payments created through a Customer object (not guests).
    public var customerShare = 0.3
    /// Plant the fraud scenarios of `PlantedCase` on the second day (the first with one day).
    public var plantFraudCases = true
    /// Extra planted card-testing bursts (`plantedBursts(day:dayStart:)`): 5 to 500 attempts over
    /// 2 to 120 minutes, sharing an email, a phone or nothing. None by default.
    public var plantedBursts = 0
    /// The linkage traps of issue #13 (`LinkageTraps`), on by default; a share of 0 turns one off.
    /// Share of people living in a household of 2 to 4 people that all use one family email.
    public var familyShare = 0.04
    /// Share of payments whose phone is one of three shop phones (typed by staff, a call centre).
    public var shopPhoneShare = 0.01
    /// Share of people who replace their main card partway through the period.
    public var cardSwitchShare = 0.10
    /// Share of payments whose email has a one-character typo in its local part.
    public var emailTypoShare = 0.01

    /// These options with every linkage trap off: the generator as it was before issue #13.
    public var withoutLinkageTraps: SampleOptions {
        var options = self
        options.familyShare = 0
        options.shopPhoneShare = 0
        options.cardSwitchShare = 0
        options.emailTypoShare = 0
        return options
    }

    public init() {}
}

extension Int {
    var asSeconds: Int64 { Int64(self) * 86_400 }
}

/// Writes realistic synthetic Stripe payment exports: repeat guests with several cards, cards
/// shared by two people, email and phone written in different ways, non-card payments,
/// placeholders, card-testing bursts, refunds (some arriving a day later), disputes, incomplete
/// PaymentIntents, test-mode rows, several currencies, and the linkage traps (`LinkageTraps`:
/// family emails, shop phones, card switches, email typos). The same options give the same bytes.
public struct SampleGenerator {
    public let options: SampleOptions
    private let people: [Person]
    /// People of the population (the people file numbers them 0 to this count - 1).
    var populationCount: Int { people.count }

    public init(options: SampleOptions) {
        self.options = options
        var random = SeededRandom(seed: options.seed, stream: 0)
        let count = max(20, options.payments / 3)
        var people: [Person] = []
        people.reserveCapacity(count)
        for index in 0..<count { people.append(Person.make(index: index, random: &random, customerShare: options.customerShare)) }
        // Spouses: a few people pay with their partner's card.
        for index in stride(from: 1, to: count, by: 37) {
            people[index].cards[0] = people[index - 1].cards[0]
        }
        LinkageTraps.plantFamilies(in: &people, share: options.familyShare, seed: options.seed)
        LinkageTraps.plantCardSwitches(in: &people, share: options.cardSwitchShare, seed: options.seed,
                                       firstDay: options.firstDay, days: options.days)
        self.people = people
    }

    /// The file names this generator writes, one per day.
    public func fileNames() -> [String] {
        (0..<options.days).map { day in
            "payments-\(UTCTime.formatDate(options.firstDay + day.asSeconds)).csv" + options.compression.suffix
        }
    }

    /// Writes every day's export into `directory`; returns the paths written.
    @discardableResult
    public func write(to directory: String) throws -> [String] {
        var paths: [String] = []
        for (day, name) in fileNames().enumerated() {
            let path = directory + "/" + name
            let file = try OutputFile(path: path, compression: options.compression.compression)
            try writeDay(day, to: file)
            try file.close()
            paths.append(path)
        }
        return paths
    }

    /// The rows of day `day`'s export: the previous day's payments again (their later state),
    /// then the day's own payments (their state at export time).
    public func writeDay(_ day: Int, to file: OutputFile) throws {
        let layout = options.layout
        var row: [UInt8] = []
        row.reserveCapacity(4096)
        CSVText.appendRow(layout.header, to: &row)
        try flush(&row, file)
        // A layout without a PaymentIntent column writes an incomplete PaymentIntent as Stripe's
        // "Default" export does: a row with an empty id and nothing to identify it but itself.
        if options.overlap, day > 0 {
            for payment in payments(ofDay: day - 1) {
                CSVText.appendRow(values(payment.later(), layout: layout), to: &row)
                if row.count > 1 << 16 { try flush(&row, file) }
            }
        }
        for payment in payments(ofDay: day) {
            CSVText.appendRow(values(payment, layout: layout), to: &row)
            if row.count > 1 << 16 { try flush(&row, file) }
        }
        try flush(&row, file)
    }

    private func flush(_ row: inout [UInt8], _ file: OutputFile) throws {
        try row.withUnsafeBytes { try file.write(bytes: $0) }
        row.removeAll(keepingCapacity: true)
    }

    /// Payments created on `day`, in time order, as first exported.
    func payments(ofDay day: Int) -> [SamplePayment] {
        var random = SeededRandom(seed: options.seed, stream: UInt64(day) + 1)
        var traps = LinkageTraps.paymentRandom(seed: options.seed, day: day)
        let perDay = options.payments / options.days + (day < options.payments % options.days ? 1 : 0)
        let dayStart = options.firstDay + day.asSeconds
        var result: [SamplePayment] = []
        result.reserveCapacity(perDay)
        var burstBudget = perDay >= 200 ? 1 + random.below(2) : (random.chance(0.5) ? 1 : 0)
        while result.count < perDay {
            if burstBudget > 0, random.chance(0.002) || perDay - result.count < 50 {
                burstBudget -= 1
                let attempts = min(perDay - result.count, 12 + random.below(30))
                result.append(contentsOf: cardTestingBurst(attempts: attempts, dayStart: dayStart, random: &random))
                continue
            }
            let index = popularPerson(&random)
            var payment = SamplePayment.make(person: people[index], created: dayStart + Int64(random.below(86_400)), random: &random)
            payment.person = .population(index)
            LinkageTraps.apply(to: &payment, person: people[index], options: options, random: &traps)
            result.append(payment)
        }
        if options.plantFraudCases, day == min(1, options.days - 1) {
            result += plantedPayments(dayStart: dayStart, random: &random)
        }
        if options.plantedBursts > 0 { result += plantedBursts(day: day, dayStart: dayStart) }
        result.sort { ($0.created, $0.id + $0.paymentIntentID) < ($1.created, $1.id + $1.paymentIntentID) }
        return result
    }

    /// Some people buy often: a skewed choice over the population.
    private func popularPerson(_ random: inout SeededRandom) -> Int {
        let u = Double(random.next() >> 11) / Double(1 << 53)
        return min(people.count - 1, Int(Double(people.count) * u * u))
    }

    /// Many small failed payments within minutes, each with a different card, under one email
    /// (or none): the signature of card testing.
    private func cardTestingBurst(attempts: Int, dayStart: Int64, random: inout SeededRandom) -> [SamplePayment] {
        var start = dayStart + Int64(random.below(86_000))
        let email = random.chance(0.6) ? "buyer\(random.digits(4))@\(random.pick(["mailinator.com", "yopmail.com", "gmail.com"]))" : ""
        var result: [SamplePayment] = []
        for attempt in 0..<attempts {
            start += Int64(1 + random.below(15))
            let stranger = Person.stranger(random: &random, email: email)
            var payment = SamplePayment.make(person: stranger, created: start, random: &random)
            payment.card = stranger.cards[0]
            payment.sourceType = "card"
            if payment.id.isEmpty || payment.id.hasPrefix("py_") { payment.id = "ch_3" + random.token(23) }
            payment.amount = 100 * Int64(1 + random.below(2))
            payment.currency = "usd"
            let succeeds = attempt % 9 == 8
            payment.status = succeeds ? "Paid" : "Failed"
            payment.declineReason = succeeds ? "" : random.pick(["card_declined", "incorrect_cvc", "do_not_honor", "insufficient_funds", "stolen_card"])
            payment.cvcCheck = succeeds ? "pass" : random.pick(["fail", "fail", "unavailable"])
            payment.refund = 0
            payment.laterRefund = 0
            payment.dispute = nil
            payment.description = "Checkout"
            payment.truth = succeeds ? SampleTruth.confirmedCard.rawValue : SampleTruth.cardTesting.rawValue
            result.append(payment)
        }
        return result
    }

    func values(_ p: SamplePayment, layout: SampleLayout) -> [String] {
        let exponent = Currency(code: p.currency)?.exponent ?? 2
        let money: (Int64) -> String = layout == .warehouse ? { String($0) } : { MinorUnits.format($0, exponent: exponent) }
        let created = layout == .oldAll ? UTCTime.formatMinutes(p.created)
            : layout == .warehouse ? String(p.created) : UTCTime.format(p.created)
        let incomplete = p.id.isEmpty
        let amount = incomplete ? "" : money(p.amount)
        let refunded = incomplete ? "" : money(p.refund)
        let disputeAmount = p.dispute.map { money($0.amount) } ?? ""
        let disputeDate = p.dispute.map { UTCTime.format($0.date) } ?? ""
        return layout.header.map { name -> String in
            switch name {
            case "id": return p.id
            case "Created date (UTC)", "Created (UTC)", "created": return created
            case "Amount", "amount": return amount
            case "Amount Refunded", "amount_refunded": return refunded
            case "Currency", "currency": return p.currency
            case "Captured", "captured": return incomplete ? "" : (p.status == "Failed" ? "false" : "true")
            case "Decline Reason", "failure_code": return p.declineReason
            case "Description", "description": return p.description
            case "Fee": return incomplete || p.status == "Failed" ? "" : money(p.amount * 29 / 1000 + 30)
            case "Mode": return p.testMode ? "Test" : "Live"
            case "PaymentIntent ID", "payment_intent": return p.paymentIntentID
            case "Payment Source Type", "payment_method_type": return p.sourceType
            case "Status": return p.status
            case "status":
                switch p.status {
                case "Paid", "Refunded": return "succeeded"
                case "Failed": return "failed"
                case "Pending": return "pending"
                default: return p.status
                }
            case "paid": return p.status == "Paid" || p.status == "Refunded" ? "true" : "false"
            case "refunded": return p.status == "Refunded" ? "true" : "false"
            case "Seller Message": return p.status == "Failed" ? "The bank did not return any further details with this decline." : (incomplete ? "" : "Payment complete.")
            case "Statement Descriptor": return "GUESTPIPE SHOP"
            case "Card ID", "payment_method_id": return p.card == nil ? "" : "card_" + p.cardID
            case "Card Name": return p.name
            case "Card Address Country", "card_address_country": return p.card?.billingCountry ?? ""
            case "Card Address Zip": return p.card == nil ? "" : p.postalCode
            case "Card AVS Zip Status", "card_address_zip_check": return p.card == nil ? "" : p.avsZip
            case "Card AVS Line1 Status": return p.card == nil ? "" : "pass"
            case "Card Brand", "card_brand": return p.card?.brand ?? ""
            case "Card CVC Status", "card_cvc_check": return p.card == nil ? "" : p.cvcCheck
            case "Card Exp Month": return p.card.map { String($0.expMonth) } ?? ""
            case "Card Exp Year": return p.card.map { String($0.expYear) } ?? ""
            case "Card Fingerprint", "card_fingerprint": return p.card?.fingerprint ?? ""
            case "Card Funding", "card_funding": return p.card?.funding ?? ""
            case "Card Issue Country", "card_country": return p.card?.issueCountry ?? ""
            case "Card Last4", "card_last4": return p.card?.last4 ?? ""
            case "Card Tokenization Method", "card_tokenization_method": return p.card?.wallet ?? ""
            case "Customer ID", "customer_id": return p.customerID
            case "Customer Email", "receipt_email", "billing_details_email": return p.email
            case "Customer Phone", "billing_details_phone": return p.phone
            case "Shipping Name": return p.name
            case "Disputed Amount", "dispute_amount": return disputeAmount
            case "Dispute Date (UTC)": return disputeDate
            case "Dispute Reason": return p.dispute?.reason ?? ""
            case "Dispute Status": return p.dispute?.status ?? ""
            case "dispute_id": return p.dispute == nil ? "" : "dp_" + p.cardID
            case "Checkout Session ID": return incomplete || p.testMode ? "" : "cs_live_" + p.cardID
            case "outcome_type": return p.status == "Failed" ? "issuer_declined" : (incomplete ? "" : "authorized")
            case "outcome_risk_level": return incomplete ? "" : (p.cvcCheck == "fail" ? "elevated" : "normal")
            case "outcome_risk_score": return incomplete ? "" : String(p.riskScore)
            case "order_id (metadata)": return p.orderID
            default: return ""
            }
        }
    }
}
