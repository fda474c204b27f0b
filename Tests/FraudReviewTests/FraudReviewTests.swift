import Foundation
import FraudReview
import GuestPipeCore
import GuestPipeTestSupport
import Grouping
import Ingest
import Pipeline
import SampleData
import Codecs
import XCTest

final class FraudReviewTests: XCTestCase {
    /// Generated data with the planted scenarios (and the generator's linkage traps), grouped and reviewed.
    func review(payments: Int, days: Int, seed: UInt64, thresholds: FraudThresholds = FraudThresholds())
        throws -> (queue: [ReviewEntry], guests: [GuestSummary], context: FraudContext, ledger: PaymentLedger) {
        let directory = try TestPaths.temporaryDirectory("fraud")
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = SampleOptions()
        options.payments = payments
        options.days = days
        options.seed = seed
        let ledger = PaymentLedger()
        for (index, path) in try SampleGenerator(options: options).write(to: directory.path).enumerated() {
            let batch = PaymentBatch(path: path)
            _ = try PaymentFileReader.readRecords(path: path, columns: ledgerColumns, onRecord: { batch.add($0) }, onRejection: { _ in })
            ledger.merge(batch, fileIndex: UInt32(index))
        }
        let grouping = Grouper(settings: GroupingSettings()).group(ledger)
        let guests = grouping.guests.enumerated().map { GuestSummary(id: "g\($0.offset)", group: $0.element, ledger: ledger, identifiers: grouping.identifiers) }
        let context = FraudContext(ledger: ledger, grouping: grouping, thresholds: thresholds)
        return (FraudReviewer(context: context).review(guests), guests, context, ledger)
    }

    func testPlantedScenariosComeOutOnTopWithTheRightReasonsAndFewOrdinaryGuestsAreFlagged() throws {
        // With every linkage trap on: a shop's phone typed for many buyers is a hub many people
        // share, which `cards_per_email` leaves out (it queued 3.7% of ordinary guests here).
        let (queue, guests, context, _) = try review(payments: 20_000, days: 4, seed: 21)
        let ids = context.grouping.identifiers
        /// The card fingerprints a guest paid with (normalised).
        func fingerprints(_ index: Int) -> Set<String> {
            Set(guests[index].payments.compactMap { ids.card[$0].isIdentifier ? ids.table[ids.card[$0]].value : nil })
        }
        var planted = Set<Int>()
        for scenario in PlantedCase.allCases {
            let indices = guests.indices.filter { index in
                fingerprints(index).contains(scenario.marker) || guests[index].emails.contains(scenario.marker)
            }
            XCTAssertFalse(indices.isEmpty, "\(scenario) is in the data")
            for index in indices {
                planted.insert(index)
                let position = try XCTUnwrap(queue.firstIndex { $0.guest == index }, "\(scenario) is in the queue")
                let entry = queue[position]
                XCTAssertTrue(entry.findings.contains { $0.signal == scenario.expectedSignal }, "\(scenario): \(entry.findings.map(\.signal))")
                XCTAssertGreaterThanOrEqual(entry.tier, .review, "\(scenario) needs a look (score \(entry.score))")
                XCTAssertFalse(entry.findings.first { $0.signal == scenario.expectedSignal }?.reason.isEmpty ?? true)
            }
        }
        // Card-testing victims come from bursts the generator makes on purpose; the rest are ordinary.
        let inBursts = Set(context.bursts.flatMap(\.guests))
        let ordinary = guests.indices.filter { !planted.contains($0) && !inBursts.contains($0) && !fingerprints($0).contains { $0.hasPrefix("PL") } }
        let flagged = queue.filter { $0.tier >= .review && ordinary.contains($0.guest) }
        let share = Double(flagged.count) / Double(ordinary.count)
        let signalCounts = Dictionary(grouping: flagged.flatMap { $0.findings.map(\.signal) }, by: { $0 }).mapValues(\.count)
        print("fraud review: signals among flagged ordinary guests: \(signalCounts.sorted { $0.key < $1.key })")
        print("fraud review: \(flagged.count) of \(ordinary.count) ordinary guests flagged for review (\(String(format: "%.2f", share * 100))%), \(planted.count) planted guests, \(inBursts.count) card-testing guests")
        XCTAssertLessThan(share, 0.02, "few ordinary guests are flagged")
        // Any tier: one weak signal alone does not queue a guest (queue_score).
        let queued = queue.filter { ordinary.contains($0.guest) }.count
        print("fraud review: \(queued) of \(ordinary.count) ordinary guests in the queue at any tier")
        XCTAssertLessThan(Double(queued) / Double(ordinary.count), 0.03, "the queue is not full of ordinary guests")
        // Every planted guest ranks in the top 5% of all guests.
        for index in planted {
            let position = queue.firstIndex { $0.guest == index }!
            XCTAssertLessThan(Double(position), Double(guests.count) * 0.05, "\(fingerprints(index).sorted()) at \(position) of \(guests.count)")
        }
    }

    func testCardTestingIsFoundAcrossGuestsAndEveryTouchedGuestInheritsIt() throws {
        let (queue, guests, context, _) = try review(payments: 3000, days: 2, seed: 5)
        let burst = try XCTUnwrap(context.bursts.first { $0.identifier == PlantedCase.cardTesting.marker })
        XCTAssertEqual(burst.scope, .email)
        XCTAssertGreaterThanOrEqual(burst.failures, 8)
        XCTAssertGreaterThanOrEqual(burst.distinctCards, 8)
        XCTAssertEqual(burst.guests.count, burst.distinctCards, "under the card policy every card is its own guest")
        for guest in burst.guests {
            XCTAssertTrue(queue.first { $0.guest == guest }?.findings.contains { $0.signal == "card_testing" } ?? false, guests[guest].id)
        }
    }

    /// A ledger from CSV rows (no header) in the given columns.
    func ledger(_ header: String, _ rows: [String]) throws -> (PaymentLedger, GroupingResult) {
        let ledger = PaymentLedger()
        let batch = PaymentBatch(path: "b.csv")
        _ = try PaymentFileReader.readRecords(source: Codecs.MemoryByteSource(Array((header + "\n" + rows.joined(separator: "\n") + "\n").utf8)), name: "b.csv",
                                             columns: ledgerColumns, onRecord: { batch.add($0) }, onRejection: { XCTFail($0.message) })
        ledger.merge(batch, fileIndex: 0)
        return (ledger, Grouper(settings: GroupingSettings()).group(ledger))
    }

    /// A shop phone typed for twelve buyers (twelve cards, twelve emails) is a hub many people
    /// share: it must not make each buyer look like a card tester (`cards_per_email`), only carry
    /// the weak `shared_identifier`. One email behind twelve cards (one person's contact) still
    /// fires `cards_per_email`.
    func testASharedShopPhoneIsAHubNotManyCardsBehindEachBuyer() throws {
        let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Customer Phone,Card Fingerprint"
        var rows: [String] = []
        for buyer in 0..<12 {
            rows.append("ch_s\(buyer),2026-01-0\(1 + buyer % 9) 1\(buyer % 10):00:00,20.00,0,usd,Paid,,buyer\(buyer)@x.com,+1 415 555 0199,shopcard\(buyer)")
            rows.append("ch_t\(buyer),2026-02-0\(1 + buyer % 9) 1\(buyer % 10):00:00,20.00,0,usd,Paid,,tester@x.com,,testcard\(buyer)")
        }
        let (ledger, grouping) = try ledger(header, rows)
        let guests = grouping.guests.enumerated().map { GuestSummary(id: "g\($0.offset)", group: $0.element, ledger: ledger, identifiers: grouping.identifiers) }
        let context = FraudContext(ledger: ledger, grouping: grouping, thresholds: FraudThresholds())
        XCTAssertEqual(grouping.hubs.hubs.count, 2, "the shop phone and the tester's email")
        for guest in guests {
            let findings = FraudReviewer.signals.compactMap { $0.evaluate(guest, context) }
            let signals = Set(findings.map(\.signal))
            let key = ledger.key(guest.payments[0])
            XCTAssertTrue(signals.contains("shared_identifier"), key)
            if key.hasPrefix("ch_s") {
                XCTAssertFalse(signals.contains("cards_per_email"), "a buyer behind the shop's phone: \(key)")
                XCTAssertTrue(findings.first { $0.signal == "shared_identifier" }!.reason.contains("shop's own phone"), key)
            } else {
                XCTAssertTrue(signals.contains("cards_per_email"), "a card behind the tester's email: \(key)")
            }
        }
    }

    func testASlowAccountWideBurstIsFoundAndItsSuccessfulPaymentsAreConfirmedCards() throws {
        // Six small payments with fresh cards and no contact data, 20 minutes apart (100 minutes in
        // all): the first and the last succeed, the four between fail. Around them: an ordinary 49.00 payment with a fresh card
        // and a 2.00 payment with a card seen two days before; neither has the burst's shape.
        let header = "id,Created date (UTC),Amount,Currency,Status,Customer ID,Card Fingerprint"
        var rows = ["ch_old,2026-03-01 10:00:00,25.00,usd,Paid,,fpKnownCard00001"]
        for (index, status) in ["Paid", "Failed", "Failed", "Failed", "Failed", "Paid"].enumerated() {
            rows.append("ch_t\(index),2026-03-03 \(10 + index * 20 / 60):\(String(format: "%02d", index * 20 % 60)):00,1.00,usd,\(status),,fpTester0000000\(index)")
        }
        rows.append("ch_big,2026-03-03 10:30:00,49.00,usd,Paid,,fpOrdinary000001")
        rows.append("ch_known,2026-03-03 10:50:00,2.00,usd,Paid,,fpKnownCard00001")
        let (ledger, grouping) = try ledger(header, rows)
        let context = FraudContext(ledger: ledger, grouping: grouping, thresholds: FraudThresholds())
        XCTAssertEqual(context.bursts.count, 1)
        let burst = try XCTUnwrap(context.bursts.first)
        XCTAssertEqual(burst.scope, .account)
        let ids = Set(burst.payments.map { ledger.key($0) })
        XCTAssertEqual(ids, Set((0..<6).map { "ch_t\($0)" }), "members: the six tester payments, not the ordinary or the known card")
        XCTAssertEqual(burst.failures, 4)
        XCTAssertEqual(Set(burst.confirmed.map { ledger.key($0) }), ["ch_t0", "ch_t5"], "a success before the first failure belongs too")
        let guests = grouping.guests.enumerated().map { GuestSummary(id: "g\($0.offset)", group: $0.element, ledger: ledger, identifiers: grouping.identifiers) }
        let queue = FraudReviewer(context: context).review(guests)
        let confirmed = queue.filter { $0.findings.contains { $0.signal == "confirmed_card" } }
        XCTAssertEqual(confirmed.count, 2)
        XCTAssertTrue(confirmed.allSatisfy { $0.tier == .high })
        XCTAssertEqual(queue.filter { $0.findings.contains { $0.signal == "card_testing" } }.count, 6)
        // Fewer attempts than burst_min_attempts is no burst.
        let fewer = FraudContext(ledger: ledger, grouping: grouping, thresholds: try FraudThresholds(validating: ["burst_min_attempts": 7]))
        XCTAssertTrue(fewer.bursts.isEmpty)
        // A chain breaks where failures are more than burst_gap_minutes apart.
        let tight = FraudContext(ledger: ledger, grouping: grouping, thresholds: try FraudThresholds(validating: ["burst_gap_minutes": 15]))
        XCTAssertTrue(tight.bursts.isEmpty)
    }

    func testABurstOnCardsOfOneBrandAndIssuingCountryIsFoundAcrossCurrencies() throws {
        // Eight small attempts with fresh Visa cards issued in BR, a few minutes apart, each with its
        // own email and spread over three currencies: too few per currency for an account-wide burst,
        // no shared contact. Around them, ordinary payments of another profile.
        let header = "id,Created date (UTC),Amount,Currency,Status,Customer ID,Card Fingerprint,Customer Email,Card Brand,Card Issue Country,Card Funding"
        var rows: [String] = []
        let currencies = ["usd", "eur", "gbp"]
        for index in 0..<8 {
            let status = index == 4 ? "Paid" : "Failed"
            rows.append("ch_p\(index),2026-03-03 10:\(String(format: "%02d", index * 3)):00,1.00,\(currencies[index % 3]),\(status),,fpProfile000000\(index),buyer\(index)@mail.test-shop.com,Visa,BR,prepaid")
        }
        for index in 0..<6 {
            rows.append("ch_o\(index),2026-03-0\(1 + index % 3) 1\(index):00:00,30.00,usd,Paid,,fpOrdinaryCard00\(index),o\(index)@mail.test-shop.com,Mastercard,US,credit")
        }
        let (ledger, grouping) = try ledger(header, rows)
        let context = FraudContext(ledger: ledger, grouping: grouping, thresholds: FraudThresholds())
        XCTAssertEqual(context.bursts.count, 1, "\(context.bursts.map { ($0.scope, $0.payments.count) })")
        let burst = try XCTUnwrap(context.bursts.first)
        XCTAssertEqual(burst.scope, .cardProfile)
        XCTAssertEqual(burst.identifier, "Visa prepaid BR", "brand, funding and issuing country")
        XCTAssertEqual(Set(burst.payments.map { ledger.key($0) }), Set((0..<8).map { "ch_p\($0)" }))
        XCTAssertEqual(burst.confirmed.map { ledger.key($0) }, ["ch_p4"], "the success inside the window is a confirmed card")
    }

    func testAttemptsWithoutTheSharedEmailJoinTheEmailBurstInsteadOfMakingASecondOne() throws {
        // Seven small failures with fresh cards a minute apart; the 3rd and 6th left the email out.
        let header = "id,Created date (UTC),Amount,Currency,Status,Customer ID,Card Fingerprint,Customer Email"
        let rows = (0..<7).map { index in
            "ch_e\(index),2026-03-03 10:0\(index):00,1.00,usd,Failed,,fpEmailBurst0000\(index),\(index == 2 || index == 5 ? "" : "tester@mailinator.com")"
        }
        let (ledger, grouping) = try ledger(header, rows)
        let context = FraudContext(ledger: ledger, grouping: grouping, thresholds: FraudThresholds())
        XCTAssertEqual(context.bursts.count, 1, "\(context.bursts.map { ($0.scope, $0.payments.count) })")
        XCTAssertEqual(context.bursts.first?.scope, .email)
        XCTAssertEqual(context.bursts.first?.payments.count, 7)
        XCTAssertEqual(context.bursts.first?.guests.count, 7)
    }

    func testOneWeakSignalDoesNotQueueAGuestAloneButTwoStrongOnesDo() throws {
        let header = "id,Created date (UTC),Amount,Currency,Status,Customer ID,Card Fingerprint,Card CVC Status,Card Issue Country,Card Address Country,Dispute Status,Dispute Reason"
        let rows = ["ch_cvc,2026-03-01 10:00:00,25.00,usd,Paid,,fpOneFailedCvc01,fail,US,US,,",
                    "ch_country,2026-03-01 11:00:00,25.00,usd,Paid,,fpOtherCountry01,pass,GB,US,,",
                    "ch_both,2026-03-01 12:00:00,25.00,usd,Paid,,fpBothWeak000001,fail,GB,US,,",
                    "ch_dispute,2026-03-01 13:00:00,25.00,usd,Paid,,fpDisputed000001,pass,US,US,needs_response,general"]
        let (ledger, grouping) = try ledger(header, rows)
        let guests = grouping.guests.enumerated().map { GuestSummary(id: "g\($0.offset)", group: $0.element, ledger: ledger, identifiers: grouping.identifiers) }
        func queued(_ settings: [String: Double]) throws -> [String: ReviewEntry.Tier] {
            let context = FraudContext(ledger: ledger, grouping: grouping, thresholds: try FraudThresholds(validating: settings))
            var result: [String: ReviewEntry.Tier] = [:]
            for entry in FraudReviewer(context: context).review(guests) { result[ledger.key(guests[entry.guest].payments[0])] = entry.tier }
            return result
        }
        // 10 (CVC), 10 (country), 20 (both) stay out; a dispute (15 + dispute rate 15 = 30) is queued.
        XCTAssertEqual(try queued([:]), ["ch_dispute": .watch])
        XCTAssertEqual(try queued(["queue_score": 20]), ["ch_dispute": .watch, "ch_both": .watch])
        XCTAssertEqual(try queued(["queue_score": 10]), ["ch_dispute": .watch, "ch_both": .watch, "ch_cvc": .watch, "ch_country": .watch])
        XCTAssertEqual(try queued(["review_score": 30]), ["ch_dispute": .review])
    }

    func testSignalWeightsComeFromTheSettings() throws {
        func points(_ queue: [ReviewEntry], _ signal: String) -> Set<Int> {
            Set(queue.flatMap(\.findings).filter { $0.signal == signal }.map(\.points))
        }
        // queue_score 0: every guest with a signal is listed, so weights cannot change who is.
        let defaults = try review(payments: 3000, days: 2, seed: 5, thresholds: FraudThresholds(validating: ["queue_score": 0])).queue
        XCTAssertEqual(points(defaults, "card_testing"), [40])
        XCTAssertEqual(points(defaults, "dispute_rate"), [15])
        let weighted = try review(payments: 3000, days: 2, seed: 5,
                                  thresholds: FraudThresholds(validating: ["card_testing_points": 7, "dispute_rate_points": 3, "queue_score": 0])).queue
        XCTAssertEqual(points(weighted, "card_testing"), [7])
        XCTAssertEqual(points(weighted, "dispute_rate"), [3])
        XCTAssertEqual(Set(weighted.map(\.guestID)), Set(defaults.map(\.guestID)), "weights change scores, not who has a signal")
    }

    func testNetworkRatiosFollowTheRulesAndTheirDates() throws {
        let header = "id,Created date (UTC),Amount,Currency,Status,Customer ID,Card Fingerprint,Card Brand,Dispute Status,Dispute Date (UTC),Terminal Reader ID\n"
        var rows = ""
        var number = 0
        func add(_ month: String, _ brand: String, count: Int, disputes: Int, terminal: Int = 0) {
            for index in 0..<count {
                number += 1
                let dispute = index < disputes ? "lost,\(month)-20 10:00:00" : ","
                rows += "ch_\(number),\(month)-10 10:00:00,10.00,usd,Paid,,fp\(number),\(brand),\(dispute),\(index < terminal ? "tmr_1" : "")\n"
            }
        }
        add("2026-03", "Visa", count: 100, disputes: 2)
        add("2026-04", "Visa", count: 100, disputes: 2, terminal: 20)
        add("2026-03", "MasterCard", count: 50, disputes: 0)
        add("2026-04", "MasterCard", count: 10, disputes: 1)
        let ledger = PaymentLedger()
        let batch = PaymentBatch(path: "r.csv")
        _ = try PaymentFileReader.readRecords(source: Codecs.MemoryByteSource(Array((header + rows).utf8)), name: "r.csv", columns: ledgerColumns,
                                       onRecord: { batch.add($0) }, onRejection: { XCTFail($0.message) })
        ledger.merge(batch, fileIndex: 0)
        let grouping = Grouper(settings: GroupingSettings()).group(ledger)
        let ratios = NetworkRatios.compute(ledger: ledger, grouping: grouping, thresholds: FraudThresholds())
        let march = try XCTUnwrap(ratios.first { $0.rule == "VAMP" && $0.month == Month(year: 2026, month: 3) })
        XCTAssertEqual(march.ratio ?? 0, 0.02, accuracy: 1e-9)
        XCTAssertEqual(march.threshold, 0.022, "2.2% before April 2026")
        XCTAssertFalse(march.excessive, "not above 1,500 incidents")
        XCTAssertTrue(march.note.contains("understated"))
        let april = try XCTUnwrap(ratios.first { $0.rule == "VAMP" && $0.month == Month(year: 2026, month: 4) })
        XCTAssertEqual(april.threshold, 0.015)
        XCTAssertEqual(april.denominator, 80, "card-present payments (a terminal reader) are left out")
        XCTAssertEqual(april.ratio ?? 0, 2.0 / 80, accuracy: 1e-9)
        let ecmMarch = try XCTUnwrap(ratios.first { $0.rule == "ECM" && $0.month == Month(year: 2026, month: 3) })
        XCTAssertNil(ecmMarch.ratio, "no previous month")
        let ecmApril = try XCTUnwrap(ratios.first { $0.rule == "ECM" && $0.month == Month(year: 2026, month: 4) })
        XCTAssertEqual(ecmApril.ratio ?? 0, 1.0 / 50, accuracy: 1e-9, "chargebacks this month ÷ transactions last month")
        XCTAssertFalse(ecmApril.excessive, "fewer than 100 chargebacks")
    }
}
