import Grouping
import GuestPipeTestSupport
import XCTest

/// The `linked` policy against a plain reference: connected components of payments that share
/// an identifier that is not a hub, hubs counted with sets (card hubs first, then contacts). Random small histories with low hub
/// limits, so hubs, chains and hub-only payments all occur.
final class LinkedPolicyTests: XCTestCase {
    /// Random rows: few distinct cards, emails and phones, each often absent.
    func randomRows(seed: UInt64, count: Int) -> [Row] {
        var random = SplitMix(state: seed)
        return (0..<count).map { index in
            Row(id: "p\(index)", minute: random.next(count * 2),
                card: random.next(10) < 7 ? "fp\(random.next(count / 4))" : "",
                email: random.next(10) < 6 ? "u\(random.next(count / 5))@x.com" : "",
                phone: random.next(10) < 5 ? "+1415555\(1000 + random.next(count / 6))" : "")
        }
    }

    /// The reference: hubs by counting distinct partners in sets, then components by joining
    /// payments through shared non-hub identifiers (hub-only payments through their first hub).
    func reference(_ rows: [Row], limits: HubLimits) -> (guests: [[String]], hubs: Set<String>) {
        let guestRows = rows.filter { !$0.card.isEmpty || !$0.email.isEmpty || !$0.phone.isEmpty }
        var partners: [String: (cards: Set<String>, emails: Set<String>, phones: Set<String>)] = [:]
        for row in guestRows {
            let ids = [("card:" + row.card, row.card), ("email:" + row.email, row.email), ("phone:" + row.phone, row.phone)].filter { !$0.1.isEmpty }.map(\.0)
            for id in ids where !id.hasPrefix("card:") {
                for other in ids where other != id {
                    if other.hasPrefix("card:") { partners[id, default: ([], [], [])].cards.insert(other) }
                    if other.hasPrefix("email:") { partners[id, default: ([], [], [])].emails.insert(other) }
                    if other.hasPrefix("phone:") { partners[id, default: ([], [], [])].phones.insert(other) }
                }
            }
        }
        // Cards first; a card hub does not count as another phone or email of anyone.
        let cardHubs = Set(partners.filter { $0.value.cards.count > limits.maxCards }.keys)
        let hubs = cardHubs.union(partners.filter { id, seen in
            (id.hasPrefix("email:") && seen.phones.subtracting(cardHubs).count > limits.maxPhonesPerEmail)
                || (id.hasPrefix("phone:") && seen.emails.subtracting(cardHubs).count > limits.maxEmailsPerPhone)
        }.keys)
        var parent = Array(guestRows.indices)
        func root(_ x: Int) -> Int { parent[x] == x ? x : root(parent[x]) }
        var firstWith: [String: Int] = [:]
        for (index, row) in guestRows.enumerated() {
            let all = [("card:" + row.card, row.card), ("email:" + row.email, row.email), ("phone:" + row.phone, row.phone)].filter { !$0.1.isEmpty }.map(\.0)
            var linking = all.filter { !hubs.contains($0) }
            if linking.isEmpty { linking = ["only " + all[0]] }
            for id in linking {
                if let other = firstWith[id] { parent[root(index)] = root(other) } else { firstWith[id] = index }
            }
        }
        let components = Dictionary(grouping: guestRows.indices, by: root).values
        let guests = components.map { $0.map { guestRows[$0].id }.sorted() }.sorted { $0.lexicographicallyPrecedes($1) }
        return (guests, hubs)
    }

    func testLinkedGuestsAreTheComponentsThatNoHubJoins() throws {
        var limits = HubLimits()
        limits.maxCards = 3
        limits.maxPhonesPerEmail = 2
        limits.maxEmailsPerPhone = 2
        var hubsSeen = 0, hubOnlyGuests = 0
        for seed in 1...12 as ClosedRange<UInt64> {
            let rows = randomRows(seed: seed, count: 120 + Int(seed) * 20)
            let expected = reference(rows, limits: limits)
            let (ledger, result) = try group([rows], policy: .linked, hubLimits: limits)
            let table = result.identifiers.table
            let hubs = Set(result.hubs.hubs.map { table[$0.identifier].text })
            XCTAssertEqual(hubs, expected.hubs, "seed \(seed): hubs")
            let actual = result.guests.map { $0.payments.map { ledger.key($0) }.sorted() }.sorted { $0.lexicographicallyPrecedes($1) }
            XCTAssertEqual(actual, expected.guests, "seed \(seed): guests")
            hubsSeen += hubs.count

            // The links of each guest form a tree over its payments, through identifiers both
            // payments carry, and never through a hub unless both payments have nothing else.
            var linksOfGuest = [Int](repeating: 0, count: result.guests.count)
            for link in result.links {
                guard case .guest(let guest, _) = result.roles[link.payment], case .guest(let other, _) = result.roles[link.earlier] else {
                    return XCTFail("seed \(seed): a link between payments that are not both guest payments")
                }
                XCTAssertEqual(guest, other, "seed \(seed): a link crosses guests")
                linksOfGuest[guest] += 1
                let via = table[link.via]
                XCTAssertTrue(result.identifiers.of(link.payment).contains(via) && result.identifiers.of(link.earlier).contains(via), "seed \(seed)")
                if result.hubs.isHub(link.via) {
                    let onlyHubs = { (index: Int) in result.identifiers.ids(index).allSatisfy { result.hubs.isHub($0) } }
                    XCTAssertTrue(onlyHubs(link.payment) && onlyHubs(link.earlier), "seed \(seed): joined through hub \(via.text)")
                }
            }
            for (guest, group) in result.guests.enumerated() {
                XCTAssertEqual(linksOfGuest[guest], group.payments.count - 1, "seed \(seed): a tree has one link fewer than payments")
                XCTAssertFalse(result.hubs.isHub(anchorID(group, result)) && result.identifiers.ids(group.payments[0]).contains { !result.hubs.isHub($0) },
                               "seed \(seed): a hub anchors only a guest of hub-only payments")
                if result.identifiers.ids(group.payments[0]).allSatisfy({ result.hubs.isHub($0) }) { hubOnlyGuests += 1 }
            }
        }
        XCTAssertGreaterThan(hubsSeen, 10, "the random histories must contain hubs, or this test shows nothing")
        XCTAssertGreaterThan(hubOnlyGuests, 0, "and hub-only payments")
    }

    func anchorID(_ group: GuestGroup, _ result: GroupingResult) -> IdentifierID {
        result.identifiers.ids(group.payments[0]).first { result.identifiers.table[$0] == group.anchor } ?? .absent
    }

    /// The defaults of GUESTS.md: 10 cards; a state built with them keeps the fingerprint `linked`.
    func testDefaultHubLimitsAndTheFingerprint() {
        XCTAssertEqual(HubLimits().maxCards, 10)
        var settings = GroupingSettings()
        settings.policy = .linked
        XCTAssertEqual(settings.policyFingerprint, "linked")
        settings.hubLimits.maxCards = 4
        XCTAssertNotEqual(settings.policyFingerprint, "linked", "other limits must ask for --rebuild")
        settings.policy = .card
        XCTAssertEqual(settings.policyFingerprint, "card", "hub limits do not change how card groups")
    }
}
