import Foundation
import Grouping
import GuestPipeTestSupport
import Pipeline
import XCTest

/// The `linked` policy across runs with a state: hubs decided from the whole current history,
/// and guests that split when the payment joining them goes.
final class LinkedStateTests: XCTestCase {
    var directory: URL!
    var keyFile: String!
    let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Customer Phone,Card Fingerprint\n"

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("linked-state")
        keyFile = directory.appendingPathComponent("key").path
        try "linked-state-key-0123456789".write(toFile: keyFile, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func settings(_ inbox: String, out: String, state: String?) -> RunSettings {
        var settings = RunSettings()
        settings.inputs = [inbox]
        settings.outputDirectory = out
        settings.stateDirectory = state
        settings.idKeyFile = keyFile
        settings.grouping.policy = .linked
        settings.grouping.hubLimits.maxCards = 3
        settings.grouping.hubLimits.maxEmailsPerPhone = 10  // these tests are about the card limit
        return settings
    }

    func write(_ rows: [String], day: String, into inbox: String) throws {
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try (header + rows.joined(separator: "\n") + "\n").write(toFile: inbox + "/payments-\(day).csv", atomically: true, encoding: .utf8)
    }

    func lines(_ file: String) throws -> [String] {
        try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").dropFirst().map(String.init)
    }

    /// Three cards behind the shop's phone are one guest; a fourth makes the phone a hub, and the
    /// guest falls apart into its cards, day by day exactly as in one run.
    func testAPhoneThatBecomesAHubLaterSplitsTheGuestItJoined() throws {
        let inbox = path("in")
        try write(["ch_1,2026-01-01 10:00:00,5.00,0,usd,Paid,,a@x.com,+1 415 555 0199,fp1",
                   "ch_2,2026-01-01 11:00:00,5.00,0,usd,Paid,,b@x.com,+1 415 555 0199,fp2",
                   "ch_3,2026-01-01 12:00:00,5.00,0,usd,Paid,,c@x.com,+1 415 555 0199,fp3"], day: "2026-01-01", into: inbox)
        let first = try GuestRun.execute(settings(inbox, out: path("o"), state: path("s")))
        XCTAssertEqual(first.guests, 1)
        XCTAssertEqual(try lines(path("o") + "/hubs.csv"), [])
        XCTAssertEqual(try lines(path("o") + "/guest_links.csv").count, 2, "two joins make three payments one guest")
        try write(["ch_4,2026-01-02 10:00:00,5.00,0,usd,Paid,,d@x.com,+1 415 555 0199,fp4"], day: "2026-01-02", into: inbox)
        let second = try GuestRun.execute(settings(inbox, out: path("o"), state: path("s")))
        XCTAssertEqual(second.guests, 4, "the hub joins nobody")
        let hubs = try lines(path("o") + "/hubs.csv")
        XCTAssertEqual(hubs.count, 1)
        XCTAssertTrue(hubs[0].hasPrefix("phone,+14155550199,4,4,1,4,"), hubs[0])
        XCTAssertEqual(try lines(path("o") + "/guest_links.csv"), [])
        _ = try GuestRun.execute(settings(inbox, out: path("once"), state: nil))
        for name in ["guests.csv", "guest_payments.csv", "hubs.csv", "guest_links.csv"] {
            XCTAssertEqual(try String(contentsOfFile: path("o") + "/" + name, encoding: .utf8),
                           try String(contentsOfFile: path("once") + "/" + name, encoding: .utf8), name)
        }
    }

    /// A payment that joined two people's payments is forgotten with its export: the guest splits.
    func testForgettingTheExportThatJoinedTwoPartsSplitsTheGuest() throws {
        let inbox = path("in")
        try write(["ch_1,2026-01-01 10:00:00,5.00,0,usd,Paid,,x@x.com,,fpA",
                   "ch_3,2026-01-01 11:00:00,5.00,0,usd,Paid,,y@x.com,,fpB"], day: "2026-01-01", into: inbox)
        try write(["ch_2,2026-01-02 10:00:00,5.00,0,usd,Paid,,y@x.com,,fpA"], day: "2026-01-02", into: inbox)
        XCTAssertEqual(try GuestRun.execute(settings(inbox, out: path("o"), state: path("s"))).guests, 1)
        let links = try lines(path("o") + "/guest_links.csv")
        XCTAssertEqual(links.count, 2)
        XCTAssertTrue(links.contains { $0.hasSuffix(",ch_2,card,fpA,ch_1") }, "\(links)")
        XCTAssertTrue(links.contains { $0.hasSuffix(",ch_2,email,y@x.com,ch_3") }, "\(links)")
        try FileManager.default.removeItem(atPath: inbox + "/payments-2026-01-02.csv")
        var forget = settings(inbox, out: path("o"), state: path("s"))
        forget.rebuild = true
        forget.forgetMissing = true
        forget.allowNoNew = true
        XCTAssertEqual(try GuestRun.execute(forget).guests, 2)
        XCTAssertEqual(try lines(path("o") + "/guest_links.csv"), [])
    }
}
