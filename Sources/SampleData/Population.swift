import GuestPipeCore

struct SampleCard {
    var fingerprint: String
    var brand: String
    var funding: String
    var last4: String
    var issueCountry: String
    var billingCountry: String
    var expMonth: Int
    var expYear: Int
    var wallet: String

    static func make(country: String, random: inout SeededRandom) -> SampleCard {
        let brand = random.pick(["Visa", "Visa", "Visa", "MasterCard", "MasterCard", "American Express", "Discover", "JCB"])
        let foreignIssuer = random.chance(0.04)
        return SampleCard(fingerprint: random.token(16), brand: brand,
                          funding: random.pick(["credit", "credit", "debit", "prepaid"]),
                          last4: random.digits(4),
                          issueCountry: foreignIssuer ? random.pick(["NG", "BR", "RU", "ID"]) : country,
                          billingCountry: country, expMonth: 1 + random.below(12), expYear: 2026 + random.below(6),
                          wallet: random.chance(0.15) ? random.pick(["apple_pay", "google_pay"]) : "")
    }
}

/// A buyer of the synthetic shop: one or more cards, an email and a phone they write in
/// different ways, maybe a Customer object.
struct Person {
    var name: String
    var email: String
    var phoneDigits: String
    var phoneCountry: String
    var country: String
    var currency: String
    var cards: [SampleCard]
    var customerID: String
    var postalCode: String
    /// A card switch (`LinkageTraps`): from `cardSwitchAt` on, payments with `cards[0]` use `newCard`.
    var newCard: SampleCard? = nil
    var cardSwitchAt: Int64 = .max

    private static let first = ["Ana", "Ben", "Chloé", "David", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kai", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera", "Wen", "Yusuf", "Zoe"]
    private static let last = ["Smith", "García", "Müller", "Okafor", "Tanaka", "Rossi", "Kowalski", "Nguyen", "O'Brien", "Haddad", "Larsen", "Silva", "Dubois", "Kim", "Patel"]

    static func make(index: Int, random: inout SeededRandom, customerShare: Double) -> Person {
        let (country, currency): (String, String) = {
            let roll = random.below(100)
            switch roll {
            case 0..<68: return ("US", "usd")
            case 68..<82: return (random.pick(["DE", "FR", "NL", "ES"]), "eur")
            case 82..<92: return ("GB", "gbp")
            case 92..<96: return ("JP", "jpy")
            case 96..<98: return ("CA", "cad")
            default: return ("KW", "kwd")
            }
        }()
        let firstName = random.pick(first), lastName = random.pick(last)
        let local = (firstName + "." + lastName).lowercased().filter { $0.isASCII && $0 != "'" } + String(index)
        let domain = random.pick(["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "web.de"])
        var cards = [SampleCard.make(country: country, random: &random)]
        if random.chance(0.18) { cards.append(SampleCard.make(country: country, random: &random)) }
        if random.chance(0.05) { cards.append(SampleCard.make(country: country, random: &random)) }
        let phoneCountry = country == "GB" ? "GB" : "US"
        // Possible numbers (libphonenumber's length rules), random enough that people rarely share one.
        let phoneDigits = phoneCountry == "GB" ? "7" + String(4 + random.below(6)) + random.digits(8)
            : random.pick(["201", "212", "312", "415", "617", "206", "512", "303"]) + String(2 + random.below(8)) + random.digits(6)
        return Person(name: "\(firstName) \(lastName)", email: "\(local)@\(domain)", phoneDigits: phoneDigits,
                      phoneCountry: phoneCountry, country: country, currency: currency, cards: cards,
                      customerID: random.chance(customerShare) ? "cus_" + random.token(14) : "",
                      postalCode: random.digits(5))
    }

    /// A one-off buyer (card-testing attempts come from many fresh cards).
    static func stranger(random: inout SeededRandom, email: String) -> Person {
        Person(name: "", email: email, phoneDigits: "", phoneCountry: "US", country: "US", currency: "usd",
               cards: [SampleCard.make(country: "US", random: &random)], customerID: "", postalCode: random.digits(5))
    }

    /// The email as one checkout wrote it: sometimes capitalised or with stray spaces, rarely a
    /// placeholder, sometimes absent.
    func emailVariant(_ random: inout SeededRandom) -> String {
        if email.isEmpty { return "" }
        let roll = random.below(100)
        switch roll {
        case 0..<8: return ""
        case 8..<9: return random.pick(["test@example.com", "noemail@\(email.split(separator: "@").last ?? "x.com")", "n/a", "none"])
        case 9..<15: return email.prefix(1).uppercased() + email.dropFirst()
        case 15..<18: return " " + email.uppercased() + " "
        default: return email
        }
    }

    /// The phone as one checkout wrote it: E.164 mostly, national formats, rarely a placeholder.
    func phoneVariant(_ random: inout SeededRandom) -> String {
        if phoneDigits.isEmpty || random.chance(0.35) { return "" }
        if random.chance(0.01) { return random.pick(["000-000-0000", "1234567890", "n/a"]) }
        let d = Array(phoneDigits)
        if phoneCountry == "GB" {
            return random.chance(0.7) ? "+44" + phoneDigits : "0" + String(d[0..<4]) + " " + String(d[4...])
        }
        switch random.below(4) {
        case 0: return "(\(String(d[0..<3]))) \(String(d[3..<6]))-\(String(d[6...]))"
        case 1: return "\(String(d[0..<3])).\(String(d[3..<6])).\(String(d[6...]))"
        default: return "+1" + phoneDigits
        }
    }
}

/// One synthetic payment, with what later exports will show about it.
struct SamplePayment {
    struct Dispute {
        var amount: Int64
        var date: Int64
        var reason: String
        var status: String
    }

    var id = ""
    var paymentIntentID = ""
    var created: Int64 = 0
    var amount: Int64 = 0
    var currency = "usd"
    var status = "Paid"
    var declineReason = ""
    var description = ""
    var testMode = false
    var sourceType = "card"
    var card: SampleCard?
    var cardID = ""
    var name = ""
    var postalCode = ""
    var avsZip = "pass"
    var cvcCheck = "pass"
    var customerID = ""
    var email = ""
    var phone = ""
    var dispute: Dispute?
    var laterDispute: Dispute?
    var refund: Int64 = 0
    var laterRefund: Int64 = 0
    var riskScore = 10
    /// `SampleTruth` raw value for planted and card-testing payments, empty for ordinary ones.
    var truth = ""
    /// Who paid, for the people file (`writePeople`).
    var person = SamplePerson.stranger
    var orderID = ""

    static func make(person: Person, created: Int64, random: inout SeededRandom) -> SamplePayment {
        var p = SamplePayment()
        p.created = created
        p.currency = person.currency
        let exponent = Currency(code: person.currency)?.exponent ?? 2
        let major = Int64(random.pick([5, 9, 12, 19, 25, 29, 35, 49, 59, 79, 99, 129, 249]))
        p.amount = exponent == 0 ? major * 150 : (exponent == 3 ? major * 300 : major * 100 + Int64(random.pick([0, 0, 50, 99])))
        p.customerID = person.customerID
        p.email = person.emailVariant(&random)
        p.phone = person.phoneVariant(&random)
        p.name = person.name
        p.postalCode = person.postalCode
        p.orderID = random.chance(0.9) ? "ord_" + random.digits(8) : ""
        p.description = random.chance(0.5) ? "Order \(p.orderID)" : "Checkout"
        p.riskScore = random.below(60)
        p.cardID = random.token(24)
        p.paymentIntentID = "pi_3" + random.token(23)
        if random.chance(0.06) {
            p.sourceType = random.pick(["us_bank_account", "sepa_debit", "link", "cashapp"])
            p.id = "py_3" + random.token(23)
            p.status = random.chance(0.3) ? "Pending" : "Paid"
            p.cvcCheck = ""
            p.avsZip = ""
        } else {
            p.card = person.cards[random.below(person.cards.count)]
            p.id = "ch_3" + random.token(23)
            p.cvcCheck = random.chance(0.02) ? "fail" : "pass"
            p.avsZip = random.chance(0.03) ? "fail" : "pass"
            if random.chance(0.06) {
                p.status = "Failed"
                p.declineReason = random.pick(["insufficient_funds", "do_not_honor", "try_again_later", "card_declined", "expired_card"])
            }
        }
        if random.chance(0.0005) {
            // A buyer who typed their card number into a free-text field.
            p.description = "Gift note: my card " + SamplePayment.testCardNumber(&random) + " thanks"
        }
        if random.chance(0.02) {
            // An abandoned PaymentIntent: no charge id.
            p.id = ""
            p.status = random.pick(["requires_payment_method", "canceled", "requires_action"])
            p.declineReason = ""
        }
        p.testMode = random.chance(0.004)
        if p.status == "Paid" {
            let roll = random.below(1000)
            switch roll {
            case 0..<20: p.refund = p.amount; p.status = "Refunded"
            case 20..<40: p.refund = p.amount / 2
            case 40..<60: p.laterRefund = p.amount
            default: break
            }
            if random.chance(0.006) {
                let dispute = Dispute(amount: p.amount, date: created + Int64(3600 + random.below(20_000)),
                                      reason: random.pick(["fraudulent", "fraudulent", "product_not_received", "duplicate", "general"]),
                                      status: random.pick(["needs_response", "under_review", "lost", "won", "warning_needs_response"]))
                if random.chance(0.5) { p.dispute = dispute } else { p.laterDispute = dispute }
            }
        }
        return p
    }

    /// The same payment as a later export shows it: late refunds and disputes have arrived.
    func later() -> SamplePayment {
        var copy = self
        if laterRefund > 0 {
            copy.refund = laterRefund
            if laterRefund == amount { copy.status = "Refunded" }
        }
        if let laterDispute { copy.dispute = laterDispute }
        return copy
    }

    /// One of Stripe's public test card numbers, built digit by digit.
    static func testCardNumber(_ random: inout SeededRandom) -> String {
        let numbers = [String(repeating: "42", count: 8), "5555" + String(repeating: "5", count: 8) + "4444", "4000056655665556"]
        let number = Array(random.pick(numbers))
        return stride(from: 0, to: number.count, by: 4).map { String(number[$0..<min($0 + 4, number.count)]) }.joined(separator: " ")
    }
}
