import Codecs
import Foundation
import GRDB
import GuestPipeCore
import GuestPipeTestSupport
import Grouping
@testable import Pipeline
import Reports
@testable import SampleData
import XCTest

/// Guest-id changes between runs on one state, and their kinds (docs/GUESTS.md, "Guest ids"):
/// each scenario is a few hand-written payments whose guests are known.
final class IDChangeKindTests: XCTestCase {
    var directory: URL!
    var keyFile: String!
    let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Card Fingerprint\n"

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("kinds")
        keyFile = directory.appendingPathComponent("key").path
        try "kinds-test-key-0123456789".write(toFile: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    var inbox: String { path("in") }
    var state: String { path("state") }
    var out: String { path("out") }

    /// An export of the day `day` holding `rows` (id, created, email, card).
    func export(_ day: String, _ rows: [(String, String, String, String)]) throws {
        let lines = rows.map { "\($0.0),\($0.1),5.00,0,usd,Paid,,\($0.2),\($0.3)\n" }.joined()
        try (header + lines).write(toFile: inbox + "/p-\(day).csv", atomically: true, encoding: .utf8)
    }

    func settings(_ configure: (inout RunSettings) -> Void = { _ in }) -> RunSettings {
        var settings = RunSettings()
        settings.inputs = [inbox]
        settings.outputDirectory = out
        settings.stateDirectory = state
        settings.idKeyFile = keyFile
        settings.grouping.policy = .dashboard
        configure(&settings)
        return settings
    }

    /// The guest id of each payment, from `guest_payments.csv`.
    func guestOf() throws -> [String: String] {
        let text = try String(contentsOfFile: out + "/guest_payments.csv", encoding: .utf8)
        return Dictionary(uniqueKeysWithValues: text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (fields[0], fields[1])
        })
    }

    /// `id_changes.csv` rows as (old, new, run, kind).
    func idChangeRows() throws -> [[String]] {
        let text = try String(contentsOfFile: out + "/id_changes.csv", encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines.first, ["old_guest_id", "new_guest_id", "run", "changed_at", "kind"])
        return lines.dropFirst().map { [$0[0], $0[1], $0[2], $0[4]] }
    }

    func lastDiff() throws -> RunDiff {
        try XCTUnwrap(try LastRunDiff.read(stateDirectory: state).diff)
    }

    /// Under `dashboard` a payment joins one guest; a payment that arrives late but was made
    /// before both guests' first payments, with both their identifiers, starts the guest both
    /// then join: two guests became one, under the anchor of the late payment (the card).
    func testTwoGuestsJoinedByALatePaymentAreAMerge() throws {
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ana@x.com", ""), ("ch_2", "2026-01-01 10:00:00", "", "fpB")])
        _ = try GuestRun.execute(settings())
        let before = try guestOf()
        let (email, card) = (before["ch_1"]!, before["ch_2"]!)
        XCTAssertNotEqual(email, card)
        try export("2026-01-02", [("ch_0", "2026-01-01 08:00:00", "ana@x.com", "fpB")])
        let outcome = try GuestRun.execute(settings())
        XCTAssertEqual(Set(try guestOf().values), [card], "one guest, with the card guest's id (anchor card:fpB)")
        XCTAssertEqual(outcome.idChanges, 1)
        XCTAssertEqual(try idChangeRows(), [[email, card, "2", "merged"]])
        let diff = try lastDiff()
        XCTAssertTrue(diff.followedPayments)
        XCTAssertEqual(diff.merged, [RunDiff.Merge(into: card, from: [email])])
        XCTAssertEqual(diff.split, [])
        XCTAssertEqual(diff.reanchored, [])
        XCTAssertEqual(diff.newGuests, [], "the merged guest is not new")
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("1 guest merged into 1"), report)
        XCTAssertTrue(report.contains("- merged: `\(email) → \(card)`"), report)
        let found = try XCTUnwrap(try GuestLookup.find(email, settings: settings { $0.allowNoNew = true }))
        XCTAssertEqual(found.summary.id, card)
        XCTAssertEqual(found.matchedBy, "former guest id \(email), now \(card)")
    }

    /// A payment that joined two identifiers is forgotten (`--rebuild --forget-missing` after
    /// its export went missing): the guest's payments fall into two guests. The old id stays
    /// with the part holding its first payment; the other part is a successor, not a new guest.
    func testForgettingAPaymentThatJoinedTwoIdentifiersSplitsTheGuest() throws {
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ana@x.com", ""), ("ch_3", "2026-01-03 09:00:00", "", "fpB")])
        try export("2026-01-02", [("ch_2", "2026-01-02 09:00:00", "ana@x.com", "fpB")])
        _ = try GuestRun.execute(settings())
        let guest = try XCTUnwrap(Set(try guestOf().values).first)
        XCTAssertEqual(Set(try guestOf().values).count, 1, "ch_2 joins the email, ch_3 the card ch_2 used")
        try FileManager.default.removeItem(atPath: inbox + "/p-2026-01-02.csv")
        _ = try GuestRun.execute(settings { $0.rebuild = true; $0.forgetMissing = true })
        let after = try guestOf()
        XCTAssertEqual(after["ch_1"], guest)
        let part = try XCTUnwrap(after["ch_3"])
        XCTAssertNotEqual(part, guest)
        XCTAssertEqual(try idChangeRows(), [[guest, part, "2", "split"]])
        let diff = try lastDiff()
        XCTAssertEqual(diff.split, [RunDiff.Split(from: guest, into: [guest, part].sorted())])
        XCTAssertEqual(diff.merged, [])
        XCTAssertEqual(diff.newGuests, [])
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("1 guest split into 2"), "the report's what-changed")
        XCTAssertEqual(try GuestLookup.find(guest, settings: settings { $0.allowNoNew = true })?.matchedBy, "guest id", "the old id still exists")
    }

    /// A changed export gives the first payment another email and drops the payment that joined
    /// the email to the card: the old id vanishes and its payments are in two guests. A look-up
    /// of the old id shows the guest holding its first payment and names every successor.
    func testALookUpOfASplitIdNamesEverySuccessorAndShowsTheFirstPaymentsGuest() throws {
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ana@x.com", ""), ("ch_2", "2026-01-01 10:00:00", "ana@x.com", "fpB"),
                                  ("ch_3", "2026-01-01 11:00:00", "", "fpB")])
        _ = try GuestRun.execute(settings())
        let old = try XCTUnwrap(try guestOf()["ch_1"])
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ann@x.com", ""), ("ch_3", "2026-01-01 11:00:00", "", "fpB")])
        _ = try GuestRun.execute(settings())
        let after = try guestOf()
        let (first, other) = (after["ch_1"]!, after["ch_3"]!)
        XCTAssertEqual(Set([old, first, other]).count, 3)
        XCTAssertEqual(try idChangeRows(), [[old, first, "2", "split"], [old, other, "2", "split"]].sorted { $0[1] < $1[1] })
        let found = try XCTUnwrap(try GuestLookup.find(old, settings: settings { $0.allowNoNew = true }))
        XCTAssertEqual(found.summary.id, first)
        XCTAssertEqual(found.matchedBy, "former guest id \(old), split into \([first, other].sorted().joined(separator: ", ")); shown: \(first) (holds its first payment)")
    }

    /// A late export brings an earlier first payment with a card: the guest's anchor moves from
    /// its email to the card, and nothing else joins or leaves it.
    func testALateEarlierFirstPaymentReAnchorsTheGuest() throws {
        try export("2026-01-02", [("ch_2", "2026-01-02 10:00:00", "ana@x.com", "")])
        _ = try GuestRun.execute(settings())
        let old = try XCTUnwrap(try guestOf()["ch_2"])
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ana@x.com", "fpZ")])
        _ = try GuestRun.execute(settings())
        let new = try XCTUnwrap(try guestOf()["ch_2"])
        XCTAssertNotEqual(old, new)
        XCTAssertEqual(try idChangeRows(), [[old, new, "2", "re-anchored"]])
        let diff = try lastDiff()
        XCTAssertEqual(diff.reanchored, [RunDiff.Change(old: old, new: new)])
        XCTAssertEqual(diff.merged, [])
        XCTAssertEqual(diff.newGuests, [])
    }

    /// What a state written before kinds (schema 3) looked like: no membership or run diffs,
    /// and id_changes keyed by the old id alone, without kinds.
    func downgradeToSchema3(adding oldChange: (old: String, new: String)) throws {
        let queue = try DatabaseQueue(path: state + "/state.sqlite")
        try queue.write { db in
            try db.execute(sql: """
                DROP TABLE membership;
                DROP TABLE run_diffs;
                DROP TABLE id_changes;
                CREATE TABLE id_changes (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL, run INTEGER NOT NULL, changed_at TEXT NOT NULL);
                UPDATE meta SET value = '3' WHERE key = 'schema_version';
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v4%';
                """)
            try db.execute(sql: "INSERT INTO id_changes VALUES (?, ?, 1, '2026-01-01T03:00:00Z')", arguments: [oldChange.old, oldChange.new])
        }
        try queue.close()
    }

    /// A state written by the previous schema is upgraded in place by the next ordinary run (no
    /// --rebuild): rows recorded before get kind `unknown`; that run, which has no record of the
    /// previous run's guests, finds the vanished id as before, with kind `unknown`; the run
    /// after it knows kinds again.
    func testAStateFromTheOldSchemaIsUpgradedWithoutRebuild() throws {
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ana@x.com", ""), ("ch_2", "2026-01-01 10:00:00", "", "fpB")])
        _ = try GuestRun.execute(settings())
        let before = try guestOf()
        let (email, card) = (before["ch_1"]!, before["ch_2"]!)
        let ancient = "gcus_aaaaaaaaaaaaaaaaaaaaaaaa"
        try downgradeToSchema3(adding: (ancient, card))

        try export("2026-01-02", [("ch_0", "2026-01-01 08:00:00", "ana@x.com", "fpB")])
        let upgraded = try GuestRun.execute(settings())
        XCTAssertEqual(upgraded.idChanges, 1)
        XCTAssertEqual(try StateStore(directory: state, create: false).meta("schema_version"), "4")
        XCTAssertEqual(try idChangeRows(), [[email, card, "2", "unknown"], [ancient, card, "1", "unknown"]].sorted { $0[0] < $1[0] })
        let fallback = try lastDiff()
        XCTAssertFalse(fallback.followedPayments)
        XCTAssertEqual(fallback.unknownKind, [RunDiff.Change(old: email, new: card)])
        XCTAssertEqual(fallback.newGuests, [], "the guest an old id moved to is not new")
        XCTAssertEqual(try GuestLookup.find(ancient, settings: settings { $0.allowNoNew = true })?.summary.id, card, "old rows are still followed")

        try export("2026-01-03", [("ch_4", "2026-01-03 09:00:00", "bo@x.com", "")])
        _ = try GuestRun.execute(settings())
        let next = try lastDiff()
        XCTAssertTrue(next.followedPayments, "the upgraded run left a membership snapshot")
        XCTAssertEqual(next.newGuests, [try XCTUnwrap(try guestOf()["ch_4"])])
        XCTAssertEqual(next.merged, [])
    }

    /// Damaged membership bytes cost the kinds of one run, never the run: the run warns, finds
    /// vanished ids as before, and leaves a good snapshot for the next one.
    func testADamagedMembershipSnapshotFallsBackWithAWarning() throws {
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ana@x.com", "")])
        _ = try GuestRun.execute(settings())
        let queue = try DatabaseQueue(path: state + "/state.sqlite")
        try queue.write { db in try db.execute(sql: "UPDATE membership SET snapshot = zeroblob(64)") }
        try queue.close()
        try export("2026-01-02", [("ch_2", "2026-01-02 09:00:00", "bo@x.com", "")])
        let outcome = try GuestRun.execute(settings())
        XCTAssertTrue(outcome.warnings.contains { $0.contains("cannot be used (its checksum does not match)") }, "\(outcome.warnings)")
        XCTAssertFalse(try lastDiff().followedPayments)
        try export("2026-01-03", [("ch_3", "2026-01-03 09:00:00", "cy@x.com", "")])
        let next = try GuestRun.execute(settings())
        XCTAssertEqual(next.warnings, [])
        XCTAssertTrue(try lastDiff().followedPayments)
    }

    /// The stored snapshot is read back from untrusted bytes: it round-trips, and every cut or
    /// damaged byte ends in `Unreadable` (the run then warns), never a trap.
    func testAMembershipSnapshotRoundTripsAndDamageIsUnreadable() throws {
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ana@x.com", ""), ("ch_2", "2026-01-01 10:00:00", "", "fpB"),
                                  ("ch_3", "2026-01-01 11:00:00", "bo@x.com", "fpC")])
        _ = try GuestRun.execute(settings())
        let snapshot = try XCTUnwrap(try StateStore(directory: state, create: false).membership())
        XCTAssertEqual(snapshot.guestIDs, Set(try guestOf().values).sorted())
        XCTAssertEqual(snapshot.paymentCount, 3)
        XCTAssertEqual(try MembershipSnapshot(decoding: try snapshot.encoded()), snapshot)
        let payload = try ZstdBuffer.decompress(try snapshot.encoded(), name: "snapshot")
        XCTAssertEqual(Array(payload.prefix(16)), Array("GPMEMBER".utf8) + [1, 0, 0, 0, 0, 0, 0, 0], "magic, then version 1 little-endian")
        for length in 0..<payload.count {
            XCTAssertThrowsError(try MembershipSnapshot(decoding: try ZstdBuffer.compress(Array(payload.prefix(length))))) { error in
                XCTAssertTrue(error is MembershipSnapshot.Unreadable, "cut at \(length): \(error)")
            }
        }
        var generator = SeededRandom(seed: 13)
        for _ in 0..<2_000 {
            var damaged = payload
            damaged[Int(generator.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: generator.next())
            do { _ = try MembershipSnapshot(decoding: try ZstdBuffer.compress(damaged)) } catch { XCTAssertTrue(error is MembershipSnapshot.Unreadable) }
        }
    }

    /// Under `linked`, a later payment with one guest's email and another's card joins them:
    /// the guest keeps the anchor of the earliest first payment, the other id is merged into it.
    func testALaterPaymentThatLinksTwoGuestsIsAMergeUnderLinked() throws {
        try export("2026-01-01", [("ch_1", "2026-01-01 09:00:00", "ana@x.com", "fpA"), ("ch_2", "2026-01-01 10:00:00", "bo@x.com", "fpB")])
        _ = try GuestRun.execute(settings { $0.grouping.policy = .linked })
        let before = try guestOf()
        let (first, second) = (before["ch_1"]!, before["ch_2"]!)
        try export("2026-01-02", [("ch_3", "2026-01-02 09:00:00", "ana@x.com", "fpB")])
        _ = try GuestRun.execute(settings { $0.grouping.policy = .linked })
        XCTAssertEqual(Set(try guestOf().values), [first], "anchor card:fpA, the first payment's")
        XCTAssertEqual(try idChangeRows(), [[second, first, "2", "merged"]])
        XCTAssertEqual(try lastDiff().merged, [RunDiff.Merge(into: first, from: [second])])
    }

    /// Under `linked`, a phone that a fourth card makes a hub stops joining: the guest it held
    /// together splits into its cards. The first card's part keeps the id; the new card's guest
    /// is new.
    func testAPhoneThatBecomesAHubSplitsTheLinkedGuest() throws {
        let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Customer Phone,Card Fingerprint\n"
        func write(_ day: String, _ rows: [String]) throws {
            try (header + rows.map { $0 + "\n" }.joined()).write(toFile: inbox + "/p-\(day).csv", atomically: true, encoding: .utf8)
        }
        let linked = settings { $0.grouping.policy = .linked; $0.grouping.hubLimits.maxCards = 3; $0.grouping.hubLimits.maxEmailsPerPhone = 10 }
        try write("2026-01-01", ["ch_1,2026-01-01 10:00:00,5.00,0,usd,Paid,,a@x.com,+1 415 555 0199,fp1",
                                 "ch_2,2026-01-01 11:00:00,5.00,0,usd,Paid,,b@x.com,+1 415 555 0199,fp2",
                                 "ch_3,2026-01-01 12:00:00,5.00,0,usd,Paid,,c@x.com,+1 415 555 0199,fp3"])
        _ = try GuestRun.execute(linked)
        let guest = try XCTUnwrap(Set(try guestOf().values).first)
        try write("2026-01-02", ["ch_4,2026-01-02 10:00:00,5.00,0,usd,Paid,,d@x.com,+1 415 555 0199,fp4"])
        _ = try GuestRun.execute(linked)
        let after = try guestOf()
        XCTAssertEqual(after["ch_1"], guest)
        let parts = [after["ch_2"]!, after["ch_3"]!].sorted()
        XCTAssertEqual(try idChangeRows(), parts.map { [guest, $0, "2", "split"] })
        let diff = try lastDiff()
        XCTAssertEqual(diff.split, [RunDiff.Split(from: guest, into: ([guest] + parts).sorted())])
        XCTAssertEqual(diff.newGuests, [after["ch_4"]!])
        XCTAssertEqual(diff.merged, [])
    }

    /// New disputes are counted per payment: a payment already disputed at the last run is not
    /// new again, even after its guest merged into another.
    func testADisputeIsNewOnceEvenWhenItsGuestMerges() throws {
        let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Card Fingerprint,Dispute Status,Disputed Amount\n"
        func write(_ day: String, _ rows: String) throws { try (header + rows).write(toFile: inbox + "/p-\(day).csv", atomically: true, encoding: .utf8) }
        try write("2026-01-01", "ch_1,2026-01-01 09:00:00,5.00,0,usd,Paid,,ana@x.com,,needs_response,5.00\nch_2,2026-01-01 10:00:00,5.00,0,usd,Paid,,,fpB,,\n")
        _ = try GuestRun.execute(settings())
        let card = try XCTUnwrap(try guestOf()["ch_2"])
        try write("2026-01-02", "ch_0,2026-01-01 08:00:00,5.00,0,usd,Paid,,ana@x.com,fpB,,\nch_5,2026-01-02 08:00:00,5.00,0,usd,Paid,,,fpB,lost,5.00\n")
        _ = try GuestRun.execute(settings())
        let diff = try lastDiff()
        XCTAssertEqual(diff.merged.map(\.into), [card])
        XCTAssertEqual(diff.newDisputes, [RunDiff.NewDisputes(guestID: card, count: 1)], "ch_5 only: ch_1 was disputed before")
    }
}
