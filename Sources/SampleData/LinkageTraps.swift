import Codecs
import GuestPipeCore

/// The traps that make linking payments into people hard (issue #13), on top of what the
/// population already has (spouses sharing a card, people with several cards, emails and phones
/// written in different ways). Each draws from its own random streams, so a trap changes only
/// the values it touches and turning one off leaves the others, and every other byte, as they were:
/// - families: households of 2 to 4 people who all use one family email (each keeps their own
///   cards and phone);
/// - shop phones: three numbers (the shop's own, typed by staff, and two call-centre lines)
///   that replace the buyer's phone on a share of payments, so each is seen with many cards;
/// - card switches: people who replace their main card partway through the period;
/// - email typos: a share of payments with one character of the email's local part dropped,
///   doubled or swapped with the next.
enum LinkageTraps {
    /// Stream numbers, apart from the day streams (1 to `maximumDays`) and the planted bursts'
    /// (1,000,000 + day).
    static let familyStream: UInt64 = 2_000_000
    static let cardSwitchStream: UInt64 = 2_000_001
    static let paymentStreamBase: UInt64 = 3_000_000

    /// The shop phones, national digits (US): possible numbers, so they identify.
    static let shopPhones = ["4155550123", "8005550199", "2125550147"]

    /// Gives `share` of the people a household: 2 to 4 people picked anywhere in the population
    /// (so a household's members buy about as often as any other people do) who all use one
    /// new family email, at the first member's email provider.
    static func plantFamilies(in people: inout [Person], share: Double, seed: UInt64) {
        guard share > 0, people.count >= 4 else { return }
        var random = SeededRandom(seed: seed, stream: familyStream)
        let households = Int((Double(people.count) * min(share, 1) / 3).rounded())
        var taken = [Bool](repeating: false, count: people.count)
        var placed = 0
        for household in 0..<households {
            let size = 2 + random.below(3)
            guard placed + size <= people.count else { break }
            var members: [Int] = []
            while members.count < size {
                let index = random.below(people.count)
                if !taken[index] { taken[index] = true; members.append(index) }
            }
            placed += size
            let head = people[members[0]]
            let surname = head.name.split(separator: " ").last.map(String.init) ?? "home"
            let local = surname.lowercased().filter { $0.isASCII && $0.isLetter } + ".family" + String(household)
            let domain = head.email.split(separator: "@").last.map(String.init) ?? "gmail.com"
            for member in members { people[member].email = local + "@" + domain }
        }
    }

    /// Gives `share` of the people a new main card (`cards[0]`) from a moment in the middle 80% of
    /// the period on. People who share a main card (spouses) switch together, to one new card.
    static func plantCardSwitches(in people: inout [Person], share: Double, seed: UInt64, firstDay: Int64, days: Int) {
        guard share > 0 else { return }
        var random = SeededRandom(seed: seed, stream: cardSwitchStream)
        let period = Int64(days) * 86_400
        var switches: [String: (card: SampleCard, at: Int64)] = [:]
        for index in people.indices {
            // Every person draws the same amount, so one person's switch does not move another's.
            let switching = random.chance(share)
            let at = firstDay + period / 10 + Int64(random.below(Int(period * 8 / 10)))
            let card = SampleCard.make(country: people[index].country, random: &random)
            let fingerprint = people[index].cards[0].fingerprint
            if switching, switches[fingerprint] == nil { switches[fingerprint] = (card, at) }
        }
        for index in people.indices {
            guard let change = switches[people[index].cards[0].fingerprint] else { continue }
            people[index].newCard = change.card
            people[index].cardSwitchAt = change.at
        }
    }

    /// The random stream of day `day`'s per-payment traps.
    static func paymentRandom(seed: UInt64, day: Int) -> SeededRandom {
        SeededRandom(seed: seed, stream: paymentStreamBase + UInt64(day))
    }

    /// The traps of one ordinary payment of `person`: its card after a switch, a shop phone, a
    /// typo in the email. Draws the same amount from `random` whatever it decides, so each
    /// payment's traps do not depend on the payments before it or on the other traps' shares.
    static func apply(to payment: inout SamplePayment, person: Person, options: SampleOptions, random: inout SeededRandom) {
        let shopRoll = random.next(), shop = random.below(shopPhones.count), format = random.below(4)
        let typoRoll = random.next(), typoKind = random.below(3), typoPosition = random.next()
        if let newCard = person.newCard, payment.created >= person.cardSwitchAt,
           payment.card?.fingerprint == person.cards[0].fingerprint {
            payment.card = newCard
        }
        if SeededRandom.unit(shopRoll) < options.shopPhoneShare {
            payment.phone = formatted(shopPhones[shop], format)
        }
        if SeededRandom.unit(typoRoll) < options.emailTypoShare, isPlainSpelling(payment.email, of: person.email) {
            payment.email = typo(person.email, kind: typoKind, position: typoPosition)
        }
    }

    /// A US number as staff type it: E.164, (415) 555-0123, 415.555.0123 or 415-555-0123.
    static func formatted(_ digits: String, _ format: Int) -> String {
        let d = Array(digits)
        let (area, exchange, line) = (String(d[0..<3]), String(d[3..<6]), String(d[6...]))
        switch format {
        case 0: return "(\(area)) \(exchange)-\(line)"
        case 1: return "\(area).\(exchange).\(line)"
        case 2: return "\(area)-\(exchange)-\(line)"
        default: return "+1" + digits
        }
    }

    /// Whether `written` is `email` itself (any case, spaces around it), not a placeholder or absent.
    static func isPlainSpelling(_ written: String, of email: String) -> Bool {
        !email.isEmpty && String(written.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()).lowercased() == email
    }

    /// `email` with one character of its local part dropped (kind 0), doubled (1) or swapped
    /// with a neighbour (2; doubled where the neighbours are the same). Never the email itself.
    static func typo(_ email: String, kind: Int, position: UInt64) -> String {
        guard let at = email.firstIndex(of: "@") else { return email }
        var local = Array(email[..<at])
        let domain = email[at...]
        guard !local.isEmpty else { return email }
        let index = Int(position % UInt64(local.count))
        switch kind {
        case 0 where local.count > 2: local.remove(at: index)
        case 2 where index + 1 < local.count && local[index] != local[index + 1]: local.swapAt(index, index + 1)
        case 2 where index > 0 && local[index - 1] != local[index]: local.swapAt(index - 1, index)
        default: local.insert(local[index], at: index)
        }
        return String(local) + domain
    }
}

extension SeededRandom {
    /// A raw draw as a number in [0, 1), as `chance` compares it.
    static func unit(_ value: UInt64) -> Double { Double(value >> 11) / Double(1 << 53) }
}
