import Codecs
import GuestPipeCore
import GuestPipeTestSupport
import Grouping
import Ingest
import Pipeline
import XCTest

/// A payment row of a behaviour table, written as a new-generation Dashboard export row.
struct Row {
    var id: String
    var minute: Int
    var card = ""
    var email = ""
    var phone = ""
    var customer = ""
    var status = "Paid"
    var amount = "10.00"
    var refunded = "0.00"
    var currency = "usd"
    var dispute = ""

    static let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Customer Phone,Card Fingerprint,Card Brand,Card Last4,Dispute Status,Disputed Amount,PaymentIntent ID,Mode\n"

    var csv: String {
        let created = UTCTime.format(1_767_225_600 + Int64(minute) * 60)  // 2026-01-01 00:00 + minutes
        return [id, created, amount, refunded, currency, status, customer, "\"\(email)\"", "\"\(phone)\"", card, card.isEmpty ? "" : "Visa",
                card.isEmpty ? "" : "4242", dispute, dispute.isEmpty ? "" : amount, "pi_" + id, "Live"].joined(separator: ",") + "\n"
    }
}

/// Groups rows given as one or more export files (later files are later exports).
func group(_ files: [[Row]], policy: GroupingPolicy, hubLimits: HubLimits = HubLimits()) throws -> (ledger: PaymentLedger, result: GroupingResult) {
    let ledger = PaymentLedger()
    for (index, rows) in files.enumerated() {
        let batch = PaymentBatch(path: "f\(index).csv")
        let text = Row.header + rows.map(\.csv).joined()
        _ = try PaymentFileReader.readRecords(source: MemoryByteSource(Array(text.utf8)), name: "f\(index).csv",
                                       onRecord: { batch.add($0) }, onRejection: { XCTFail($0.message) })
        ledger.merge(batch, fileIndex: UInt32(index))
    }
    var settings = GroupingSettings()
    settings.policy = policy
    settings.hubLimits = hubLimits
    return (ledger, Grouper(settings: settings).group(ledger))
}

/// Guests as sorted lists of payment ids, sorted; and the unmatched ids.
func guests(_ files: [[Row]], _ policy: GroupingPolicy, hubLimits: HubLimits = HubLimits()) throws -> (guests: [[String]], unmatched: [String]) {
    let (ledger, result) = try group(files, policy: policy, hubLimits: hubLimits)
    let guests = result.guests.map { $0.payments.map { ledger.key($0) }.sorted() }.sorted { $0.lexicographicallyPrecedes($1) }
    let unmatched = result.roles.enumerated().filter { $0.element == .unmatched }.map { ledger.key($0.offset) }.sorted()
    return (guests, unmatched)
}

final class GroupingBehaviourTests: XCTestCase {
    struct Case {
        let name: String
        let files: [[Row]]
        let card: [[String]]
        let dashboard: [[String]]
        let linked: [[String]]
        var unmatched: [String] = []
        /// Hub limits for all three policies (hubs matter only to `linked`).
        var hubLimits = HubLimits()
    }

    let cases: [Case] = [
        Case(name: "spouses sharing a card are one guest",
             files: [[Row(id: "a", minute: 1, card: "fpA", email: "ana@x.com"), Row(id: "b", minute: 2, card: "fpA", email: "ben@x.com")]],
             card: [["a", "b"]], dashboard: [["a", "b"]], linked: [["a", "b"]]),
        Case(name: "one person with two cards: two guests by card, one by dashboard (same email)",
             files: [[Row(id: "a", minute: 1, card: "fpA", email: "ana@x.com"), Row(id: "b", minute: 2, card: "fpB", email: "ana@x.com")]],
             card: [["a"], ["b"]], dashboard: [["a", "b"]], linked: [["a", "b"]]),
        Case(name: "email case and spaces do not matter",
             files: [[Row(id: "a", minute: 1, email: "Ana@X.com "), Row(id: "b", minute: 2, email: " ana@x.COM")]],
             card: [["a", "b"]], dashboard: [["a", "b"]], linked: [["a", "b"]]),
        Case(name: "phone formats normalise to one E.164 number",
             files: [[Row(id: "a", minute: 1, phone: "+1 415-555-0100"), Row(id: "b", minute: 2, phone: "(415) 555-0100"),
                      Row(id: "c", minute: 3, phone: "4155550100")]],
             card: [["a", "b", "c"]], dashboard: [["a", "b", "c"]], linked: [["a", "b", "c"]]),
        Case(name: "a non-card payment falls back to email",
             files: [[Row(id: "a", minute: 1, card: "fpA", email: "ana@x.com"), Row(id: "b", minute: 2, email: "ana@x.com")]],
             card: [["a"], ["b"]], dashboard: [["a", "b"]], linked: [["a", "b"]]),
        Case(name: "placeholders identify nobody",
             files: [[Row(id: "a", minute: 1, email: "test@example.com"), Row(id: "b", minute: 2, email: "test@example.com"),
                      Row(id: "c", minute: 3, email: "n/a", phone: "000-000-0000"), Row(id: "d", minute: 4, email: "noreply@shop.io", phone: "+1 000-000-0000"),
                      Row(id: "e", minute: 5, card: "fpE", email: "test@example.com")]],
             card: [["e"]], dashboard: [["e"]], linked: [["e"]], unmatched: ["a", "b", "c", "d"]),
        Case(name: "customers and incomplete PaymentIntents are not guests",
             files: [[Row(id: "a", minute: 1, card: "fpA", customer: "cus_1"), Row(id: "b", minute: 2, card: "fpA", status: "requires_payment_method"),
                      Row(id: "c", minute: 3, card: "fpA")]],
             card: [["c"]], dashboard: [["c"]], linked: [["c"]]),
        Case(name: "dashboard: the most recently used identifier decides, not transitively",
             files: [[Row(id: "p1", minute: 1, card: "fpA", email: "x@x.com"), Row(id: "p2", minute: 2, card: "fpB", email: "y@x.com"),
                      Row(id: "p3", minute: 3, card: "fpA", email: "y@x.com"), Row(id: "p4", minute: 4, card: "fpA", email: "z@x.com")]],
             card: [["p1", "p3", "p4"], ["p2"]], dashboard: [["p1"], ["p2", "p3", "p4"]], linked: [["p1", "p2", "p3", "p4"]]),
        Case(name: "failed payments are uses too",
             files: [[Row(id: "p1", minute: 1, card: "fpA", email: "x@x.com"), Row(id: "p2", minute: 2, card: "fpB", email: "y@x.com", status: "Failed"),
                      Row(id: "p3", minute: 3, card: "fpB", email: "x@x.com")]],
             card: [["p1"], ["p2", "p3"]], dashboard: [["p1"], ["p2", "p3"]], linked: [["p1", "p2", "p3"]]),
        Case(name: "linked: a chain of shared identifiers is one guest (card A -email x- card B -phone y- card C)",
             files: [[Row(id: "p1", minute: 1, card: "fpA", email: "x@x.com"), Row(id: "p2", minute: 2, card: "fpB", email: "x@x.com", phone: "+1 415 555 0101"),
                      Row(id: "p3", minute: 3, card: "fpC", phone: "(415) 555-0101")]],
             card: [["p1"], ["p2"], ["p3"]], dashboard: [["p1", "p2", "p3"]], linked: [["p1", "p2", "p3"]]),
        Case(name: "linked: a later payment joins two earlier guests (dashboard keeps them apart)",
             files: [[Row(id: "p1", minute: 1, card: "fpA", email: "x@x.com"), Row(id: "p2", minute: 2, card: "fpB", email: "y@x.com"),
                      Row(id: "p3", minute: 3, card: "fpA", email: "y@x.com")]],
             card: [["p1", "p3"], ["p2"]], dashboard: [["p1"], ["p2", "p3"]], linked: [["p1", "p2", "p3"]]),
        Case(name: "a shop phone with more cards than the limit is a hub: linked does not join through it, dashboard does",
             files: [[Row(id: "s1", minute: 1, card: "fp1", email: "a@x.com", phone: "+1 415 555 0199"),
                      Row(id: "s2", minute: 2, card: "fp2", email: "b@x.com", phone: "+1 415 555 0199"),
                      Row(id: "s3", minute: 3, card: "fp3", email: "c@x.com", phone: "+1 415 555 0199"),
                      Row(id: "s4", minute: 4, card: "fp1", email: "a@x.com"),
                      Row(id: "h1", minute: 5, phone: "+1 415 555 0199"), Row(id: "h2", minute: 6, email: "d@x.com", phone: "+1 415 555 0199")]],
             card: [["h1"], ["h2"], ["s1", "s4"], ["s2"], ["s3"]], dashboard: [["h1", "h2", "s1", "s2", "s3", "s4"]],
             linked: [["h1"], ["h2"], ["s1", "s4"], ["s2"], ["s3"]], hubLimits: { var limits = HubLimits(); limits.maxCards = 2; return limits }()),
        Case(name: "payments with nothing but the same hub are one guest of their own under linked",
             files: [[Row(id: "s1", minute: 1, card: "fp1", phone: "+1 415 555 0199"), Row(id: "s2", minute: 2, card: "fp2", phone: "+1 415 555 0199"),
                      Row(id: "h1", minute: 3, phone: "+1 415 555 0199"), Row(id: "h2", minute: 4, phone: "+1 415 555 0199")]],
             card: [["h1", "h2"], ["s1"], ["s2"]], dashboard: [["h1", "h2", "s1", "s2"]], linked: [["h1", "h2"], ["s1"], ["s2"]],
             hubLimits: { var limits = HubLimits(); limits.maxCards = 1; return limits }()),
        Case(name: "an email with more phones than the limit (a family inbox) is a hub",
             files: [[Row(id: "f1", minute: 1, card: "fp1", email: "home@x.com", phone: "+1 415 555 0101"),
                      Row(id: "f2", minute: 2, card: "fp2", email: "home@x.com", phone: "+1 415 555 0102"),
                      Row(id: "f3", minute: 3, card: "fp3", email: "home@x.com", phone: "+1 415 555 0103")]],
             card: [["f1"], ["f2"], ["f3"]], dashboard: [["f1", "f2", "f3"]], linked: [["f1"], ["f2"], ["f3"]],
             hubLimits: { var limits = HubLimits(); limits.maxPhonesPerEmail = 2; return limits }()),
        Case(name: "placeholders never link",
             files: [[Row(id: "p1", minute: 1, card: "fpA", email: "test@example.com", phone: "000-000-0000"),
                      Row(id: "p2", minute: 2, card: "fpB", email: "test@example.com", phone: "000-000-0000")]],
             card: [["p1"], ["p2"]], dashboard: [["p1"], ["p2"]], linked: [["p1"], ["p2"]]),
    ]

    func testBehaviourTable() throws {
        for item in cases {
            let card = try guests(item.files, .card, hubLimits: item.hubLimits)
            XCTAssertEqual(card.guests, item.card, "card: \(item.name)")
            XCTAssertEqual(card.unmatched, item.unmatched, "card unmatched: \(item.name)")
            let dashboard = try guests(item.files, .dashboard, hubLimits: item.hubLimits)
            XCTAssertEqual(dashboard.guests, item.dashboard, "dashboard: \(item.name)")
            XCTAssertEqual(dashboard.unmatched, item.unmatched, "dashboard unmatched: \(item.name)")
            let linked = try guests(item.files, .linked, hubLimits: item.hubLimits)
            XCTAssertEqual(linked.guests, item.linked, "linked: \(item.name)")
            XCTAssertEqual(linked.unmatched, item.unmatched, "linked unmatched: \(item.name)")
        }
    }

    func testDashboardMatchedIdentifierAndAnchor() throws {
        let files = [[Row(id: "p1", minute: 1, card: "fpA", email: "x@x.com"), Row(id: "p2", minute: 2, card: "fpB", email: "y@x.com"),
                      Row(id: "p3", minute: 3, card: "fpA", email: "y@x.com")]]
        let (ledger, result) = try group(files, policy: .dashboard)
        let p3 = (0..<ledger.entries.count).first { ledger.key($0) == "p3" }!
        guard case .guest(let guest, let kind) = result.roles[p3] else { return XCTFail("p3 is a guest payment") }
        XCTAssertEqual(kind, .email, "y@x.com was used more recently (p2) than card fpA (p1)")
        XCTAssertEqual(result.guests[guest].anchor.text, "card:fpB", "smallest identifier of the guest's first payment")
    }

    func testALaterExportReplacesOnlyTheColumnsItCarries() throws {
        let first = [Row(id: "a", minute: 1, card: "fpA", email: "ana@x.com")]
        var later = Row(id: "a", minute: 1, card: "fpA", email: "ana@x.com", status: "Refunded", refunded: "10.00", dispute: "lost")
        later.amount = "10.00"
        let (ledger, result) = try group([first, [later]], policy: .card)
        XCTAssertEqual(ledger.entries.count, 1)
        XCTAssertEqual(ledger.duplicatesReplaced, 1)
        XCTAssertEqual(ledger.entries[0].refunded, 1000)
        XCTAssertEqual(ledger.entries[0].status, .refunded)
        let summary = GuestSummary(id: "g", group: result.guests[0], ledger: ledger, identifiers: result.identifiers)
        let usd = try XCTUnwrap(summary.totals[try XCTUnwrap(Currency(code: "usd"))])
        XCTAssertEqual(usd.gross, 1000)
        XCTAssertEqual(usd.net, 0)
        XCTAssertEqual(usd.disputeLosses, 1000)
        XCTAssertEqual(summary.disputes, 1)

        // A narrow export (no card or email columns) must not erase the fingerprint.
        let narrow = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID\na,2026-01-01 00:01:00,10.00,4.00,usd,Paid,\n"
        let narrowBatch = PaymentBatch(path: "narrow.csv")
        _ = try PaymentFileReader.readRecords(source: MemoryByteSource(Array(narrow.utf8)), name: "narrow.csv",
                                       onRecord: { narrowBatch.add($0) }, onRejection: { _ in })
        ledger.merge(narrowBatch, fileIndex: 2)
        XCTAssertEqual(ledger.pool[ledger.entries[0].card], "fpA")
        XCTAssertEqual(ledger.pool[ledger.entries[0].email], "ana@x.com")
        XCTAssertEqual(ledger.entries[0].refunded, 400)
        XCTAssertEqual(ledger.entries[0].status, .succeeded)
    }

    func testMixedCurrenciesStaySeparate() throws {
        let files = [[Row(id: "a", minute: 1, card: "fpA"), Row(id: "b", minute: 2, card: "fpA", amount: "500", refunded: "0", currency: "jpy"),
                      Row(id: "c", minute: 3, card: "fpA", amount: "1.5", refunded: "0.5")]]
        let (ledger, result) = try group(files, policy: .card)
        let summary = GuestSummary(id: "g", group: result.guests[0], ledger: ledger, identifiers: result.identifiers)
        XCTAssertEqual(summary.totals.count, 2)
        XCTAssertEqual(summary.totals[Currency(code: "usd")!]?.gross, 1150)
        XCTAssertEqual(summary.totals[Currency(code: "usd")!]?.net, 1100)
        XCTAssertEqual(summary.totals[Currency(code: "jpy")!]?.gross, 500)
        XCTAssertEqual(summary.refundedPayments, 1)
    }
}
