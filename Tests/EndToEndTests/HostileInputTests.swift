import Foundation
import GuestPipeTestSupport
import Pipeline
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Every reproduction of the "real exports and hostile input" issue, run on the built binary:
/// each ends with a documented exit code and (on failure) one clear line on stderr, never a
/// signal, a leak or a deleted file.
final class HostileInputTests: XCTestCase {
    var directory: URL!
    let key = ["GUESTPIPE_ID_KEY": "hostile-key-0123456789abcdef"]
    static let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Customer Phone,Card Fingerprint,Card Name,Mode"
    static let visa = String(repeating: "42", count: 8)

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("hostile")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let target = path(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// A payment row in `header`'s columns.
    func row(_ id: String, _ created: String = "2026-03-01 10:00:00", amount: String = "10.00", refunded: String = "0.00",
             currency: String = "usd", status: String = "Paid", customer: String = "", email: String = "", phone: String = "",
             card: String = "", name: String = "", mode: String = "Live") -> String {
        [id, created, amount, refunded, currency, status, customer, email, phone, card, name, mode].joined(separator: ",")
    }

    func export(_ rows: [String]) -> String { ([HostileInputTests.header] + rows).joined(separator: "\n") + "\n" }

    func run(_ arguments: [String], stdin: Data? = nil) throws -> Run {
        try guestpipe(arguments, stdin: stdin, environment: key)
    }

    /// A failure is one line on stderr, free of card numbers, emails and crash reports.
    func assertFailsCleanly(_ result: Run, _ status: Int32, mentioning words: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        XCTAssertEqual(lines.count, 1, "one error line: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("guestpipe: error: "), result.stderr, file: file, line: line)
        assertNoPersonalData(result.stderr, file: file, line: line)
        for word in words { XCTAssertTrue(result.stderr.contains(word), "\(word) in \(result.stderr)", file: file, line: line) }
    }

    func assertNoPersonalData(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(text.contains(HostileInputTests.visa), "card number in: \(text)", file: file, line: line)
        XCTAssertFalse(text.contains("4111111111111111"), "card number in: \(text)", file: file, line: line)
        XCTAssertFalse(text.contains("@"), "email in: \(text)", file: file, line: line)
        XCTAssertFalse(text.contains("Fatal error") || text.contains("crashed"), "a trap: \(text)", file: file, line: line)
    }

    func summary(_ folder: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as? [String: Any] ?? [:]
    }

    func text(_ file: String) throws -> String { try String(contentsOfFile: file, encoding: .utf8) }

    // MARK: 1. An undated export is read once, from a file, with a state, and from stdin

    func testStripesDefaultFileNameIsReadOnceAndStandardInputWorks() throws {
        let rows = [row("ch_1", email: "ana@mail.test-shop.com", card: "fpAAAAAAAAAAAAAA"),
                    row("ch_2", "2026-03-02 11:00:00", email: "n/a"),                  // unmatched: a placeholder only
                    row("", "2026-03-02 12:00:00", amount: "", currency: "", status: "requires_payment_method")]
        let file = try write("x/unified_payments.csv", export(rows))
        let adHoc = try run(["run", "--input", file, "--out", path("o1")])
        XCTAssertEqual(adHoc.status, 0, adHoc.stderr)
        let found = try summary(path("o1"))
        XCTAssertEqual(found["rows_read"] as? Int, 3)
        XCTAssertEqual((found["files"] as? [Any])?.count, 1, "the undated file is listed once")
        XCTAssertEqual(try text(path("o1/unmatched.csv")).split(separator: "\n").count, 2)
        XCTAssertEqual(try text(path("o1/incomplete.csv")).split(separator: "\n").count, 2)

        let stateful = try run(["run", "--input", file, "--state", path("st"), "--out", path("o2")])
        XCTAssertEqual(stateful.status, 0, stateful.stderr)
        XCTAssertEqual(try summary(path("o2"))["rows_read"] as? Int, 3)

        let piped = try run(["run", "--input", "-", "--out", path("o3")], stdin: Data(export(rows).utf8))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try text(path("o3/guests.csv")), try text(path("o1/guests.csv")))

        // The shipped sample data keeps an undated "Default" export beside the dated ones.
        let shipped = try run(["run", "--input", TestPaths.packageRoot.appendingPathComponent("sample-data").path, "--out", path("o4")])
        XCTAssertEqual(shipped.status, 0, shipped.stderr)
        let files = try XCTUnwrap(try summary(path("o4"))["files"] as? [[String: Any]])
        XCTAssertEqual(files.filter { ($0["path"] as? String)?.hasSuffix("/unified_payments.csv.zst") ?? false }.count, 1)
        XCTAssertEqual(try summary(path("o4"))["rejects"] as? Int, 0)
        XCTAssertTrue(try text(path("o4/incomplete.csv")).contains("row_"), "abandoned checkouts without an id are listed")
    }

    // MARK: 2. Runs with nothing to report

    func testRunsWithNothingToReportSayWhy() throws {
        let cases: [(String, [String], String)] = [
            ("header-only", [], "only a header"),
            ("test-only", [row("ch_1", email: "a@mail.test-shop.com", mode: "Test")], "test-mode"),
            ("customers-only", [row("ch_1", customer: "cus_1", email: "a@mail.test-shop.com")], "Customer ID"),
        ]
        for (name, rows, why) in cases {
            let file = try write("\(name).csv", export(rows))
            let result = try run(["run", "--input", file, "--out", path("out-\(name)")])
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            XCTAssertEqual(try text(path("out-\(name)/guests.csv")).split(separator: "\n").count, 1, "\(name): a header only")
            XCTAssertTrue(try text(path("out-\(name)/report.md")).contains("No guest payments"), name)
            XCTAssertTrue(try text(path("out-\(name)/report.html")).contains(why), "\(name): \(why)")
        }
        let file = try write("day.csv", export([row("ch_1", email: "a@mail.test-shop.com")]))
        let window = try run(["run", "--input", file, "--out", path("window"), "--since", "2020-01-01", "--until", "2020-01-31"])
        XCTAssertEqual(window.status, 0, window.stderr)
        XCTAssertTrue(try text(path("window/report.md")).contains("--since and --until"))
        XCTAssertEqual(try run(["run", "--input", path("header-only.csv"), "--state", path("st"), "--out", path("o")]).status, 0)
        let report = try run(["report", "--state", path("st"), "--out", path("rep")])
        XCTAssertEqual(report.status, 0, report.stderr)
        assertFailsCleanly(try run(["report", "--state", path("no-state"), "--out", path("rep2")]), 66)
    }

    // MARK: 3. Money totals that cannot be held

    func testMoneyOverflowIsAClearErrorNamingTheRow() throws {
        let rows = (0..<100).map { row("ch_\($0)", amount: "999999999999999.99", email: "g\($0)@mail.test-shop.com") }
        let file = try write("huge.csv", export(rows))
        let result = try run(["run", "--input", file, "--out", path("o")])
        assertFailsCleanly(result, 65, mentioning: ["huge.csv:", "usd"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("o")), "nothing is published")
    }

    // MARK: 4 and 5. "Default" exports: abandoned checkouts without ids, lower-case statuses, 1500.00 yen

    func testDefaultExportRowsWithoutIDsAreIncompleteAndZeroDecimalsWithZerosAreExact() throws {
        let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email"
        var lines = [header]
        for index in 0..<8 { lines.append(",2026-03-01 10:0\(index):00,,,usd,requires_payment_method,,buyer\(index)@mail.test-shop.com") }
        lines.append(",2026-03-01 11:00:00,12.00,,usd,succeeded,,late@mail.test-shop.com")
        lines.append("ch_1,2026-03-01 12:00:00,1500.00,0.00,jpy,paid,,yen@mail.test-shop.com")
        lines.append("ch_2,2026-03-01 12:30:00,25.00,0.00,usd,succeeded,,dollar@mail.test-shop.com")
        let file = try write("unified_payments (1).csv", lines.joined(separator: "\n") + "\n")
        let result = try run(["run", "--input", file, "--out", path("o")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let found = try summary(path("o"))
        XCTAssertEqual(found["rejects"] as? Int, 0)
        XCTAssertEqual(try text(path("o/incomplete.csv")).split(separator: "\n").count, 10, "9 incomplete rows and a header")
        let totals = try text(path("o/guest_totals.csv"))
        XCTAssertTrue(totals.contains(",jpy,1500,"), totals)
        XCTAssertTrue(totals.contains(",usd,25.00,"), totals)
        let nonZero = try write("yen.csv", export([row("ch_9", amount: "1500.50", currency: "jpy", email: "y@mail.test-shop.com")]))
        XCTAssertEqual(try run(["run", "--input", nonZero, "--out", path("o2"), "--max-reject-rate", "1"]).status, 0)
        XCTAssertTrue(try text(path("o2/rejects.csv")).contains("bad_amount"))
    }

    // MARK: 6. Card numbers and personal data never leak

    func testCardNumbersInEdgeFormsNeverReachAnOutput() throws {
        let visa = HostileInputTests.visa
        let spellings = ["+" + visa, "0" + visa, "4242.4242.4242.4242", "4242_4242_4242_4242", "4242  4242  4242  4242", "4000000000000000006"]
        let rows = spellings.enumerated().map { index, spelling in
            row("ch_\(index)", email: "p\(index)@mail.test-shop.com", card: "fp\(index)AAAAAAAAAAAAA", name: spelling)
        } + [row("ch_phone", email: "q@mail.test-shop.com", phone: "+" + visa)]
        let header = HostileInputTests.header + ",4111111111111111 (metadata)"
        let file = try write("cards.csv", ([header] + rows.map { $0 + ",x" }).joined(separator: "\n") + "\n")
        XCTAssertEqual(try run(["run", "--input", file, "--out", path("o")]).status, 0)
        for output in try FileManager.default.contentsOfDirectory(atPath: path("o")) {
            let contents = try text(path("o/" + output))
            for spelling in spellings + ["4111111111111111", "4000000000000000006"] {
                XCTAssertFalse(contents.contains(spelling), "\(spelling) in \(output)")
            }
            XCTAssertFalse(contents.contains(visa), "a card number in \(output)")
        }
        for command in [["read", file], ["inspect", file]] {
            let result = try run(command)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertFalse(result.stdout.contains(visa) || result.stdout.contains("4111111111111111") || result.stdout.contains("4000000000000000006"),
                           "\(command[0]): \(result.stdout)")
        }
        // A file whose first line is a payment: the error names no card number and no email.
        let headless = try write("headless.csv", row("ch_1", email: "ana@mail.test-shop.com", name: visa) + "\n")
        assertFailsCleanly(try run(["run", "--input", headless, "--out", path("o2")]), 65)
    }

    func testMaskedPrivacyKeepsEmailsOutOfRejectsAndNamesFilesByBaseName() throws {
        let file = try write("nested/folder/bad.csv", export([row("ch_1", email: "ana@mail.test-shop.com"),
                                                             row("ch_2", amount: "12,50", email: "bob@mail.test-shop.com")]))
        let result = try run(["run", "--input", file, "--out", path("o"), "--privacy", "masked", "--max-reject-rate", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rejects = try text(path("o/rejects.csv"))
        XCTAssertFalse(rejects.contains("@"), rejects)
        XCTAssertFalse(rejects.contains(directory.path), rejects)
        XCTAssertTrue(rejects.contains("\nbad.csv,"), rejects)
    }

    // MARK: 7. Memory has a bound

    func testALongRecordIsAClearErrorAndEveryRejectedRowIsListed() throws {
        let long = try write("long.csv", HostileInputTests.header + "\n" + String(repeating: "x", count: 9 << 20) + "\n")
        assertFailsCleanly(try run(["run", "--input", long, "--out", path("o")]), 65, mentioning: ["8 MiB"])
        let rows = (0..<30_000).map { row("ch_\($0)", amount: "bad", email: "r\($0)@mail.test-shop.com") } + [row("ch_ok", email: "ok@mail.test-shop.com")]
        let file = try write("rejects.csv", export(rows))
        XCTAssertEqual(try run(["run", "--input", file, "--out", path("o2"), "--max-reject-rate", "1"]).status, 0)
        XCTAssertEqual(try text(path("o2/rejects.csv")).split(separator: "\n").count, 30_001)
    }

    // MARK: 8. Never delete what guestpipe does not own

    func testTheOutputFolderNeverEatsSomeoneElsesFiles() throws {
        let file = try write("in/day.csv", export([row("ch_1", email: "a@mail.test-shop.com")]))
        try write("mine/summary.json", "{}")
        try write("mine/notes.txt", "keep me")
        try FileManager.default.createDirectory(atPath: path("mine/photos"), withIntermediateDirectories: true)
        assertFailsCleanly(try run(["run", "--input", file, "--out", path("mine")]), 64)
        XCTAssertEqual(try text(path("mine/notes.txt")), "keep me")

        let inside = try write("out/day.csv", export([row("ch_1", email: "a@mail.test-shop.com")]))
        XCTAssertEqual(try run(["run", "--input", file, "--out", path("out2")]).status, 0)
        assertFailsCleanly(try run(["run", "--input", inside, "--out", path("out")]), 64)
        XCTAssertTrue(FileManager.default.fileExists(atPath: inside), "an input is never deleted")

        try FileManager.default.createDirectory(atPath: path("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path("link"), withDestinationPath: path("real"))
        for _ in 0..<2 { XCTAssertEqual(try run(["run", "--input", file, "--out", path("link")]).status, 0) }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path("link")), path("real"), "the link stays a link")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("real/guests.csv")))
    }

    // MARK: 9. The state refuses damage loudly

    func testADamagedStateIsRefusedNamingTheWayOut() throws {
        let file = try write("in/2026-03-01.csv", export([row("ch_1", email: "a@mail.test-shop.com"), row("ch_2", email: "b@mail.test-shop.com")]))
        XCTAssertEqual(try run(["run", "--input", path("in"), "--state", path("st"), "--out", path("o")]).status, 0)
        let database = path("st/state.sqlite")
        let good = try Data(contentsOf: URL(fileURLWithPath: database))
        let archive = try StateStore(directory: path("st"), create: false).archive(of: file)
        try Data().write(to: URL(fileURLWithPath: database))
        assertFailsCleanly(try run(["run", "--input", path("in"), "--state", path("st"), "--out", path("o"), "--allow-no-new"]), 65, mentioning: ["0 bytes"])
        try Data("not a database, just text".utf8).write(to: URL(fileURLWithPath: database))
        assertFailsCleanly(try run(["run", "--input", path("in"), "--state", path("st"), "--out", path("o"), "--allow-no-new"]), 65)
        // One flipped bit inside the stored archive (a zstd frame in the database file): its
        // checksum finds it, and the error names the export and --rebuild.
        var damaged = good
        let frame = try XCTUnwrap(damaged.range(of: Data(archive.prefix(64))), "the archive is stored in the database file")
        damaged[frame.lowerBound + 40] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: database))
        let result = try run(["run", "--input", path("in"), "--state", path("st"), "--out", path("o"), "--allow-no-new"])
        assertFailsCleanly(result, 65, mentioning: ["2026-03-01.csv", "--rebuild"])
        // The way out works: a rebuild reads the exports again and replaces the damaged archive
        // (the same build may keep an archive only when it is intact), so the next run reads it.
        XCTAssertEqual(try run(["run", "--input", file, "--state", path("st"), "--out", path("o"), "--rebuild"]).status, 0)
        XCTAssertEqual(try run(["run", "--input", path("in"), "--state", path("st"), "--out", path("o"), "--allow-no-new"]).status, 0)
    }

    // MARK: 10. A stateful run on a stream

    func testAStatefulRunRefusesStreamsAtOnce() throws {
        for input in ["/dev/zero", "-"] {
            assertFailsCleanly(try run(["run", "--input", input, "--state", path("st"), "--out", path("o")], stdin: Data()), 64, mentioning: ["regular files"])
        }
        assertFailsCleanly(try run(["run", "--input", "/dev/zero", "--out", path("o")]), 65)
    }

    // MARK: 11. No staging left behind

    func testAClosedPipeAndSignalsLeaveNoStaging() throws {
        let sample = path("sample")
        XCTAssertEqual(try run(["sample", "--rows", "20000", "--days", "1", "--out", sample]).status, 0)
        let export = try TestPaths.files(in: URL(fileURLWithPath: sample), suffix: ".csv.zst")[0].path
        let scratch = path("tmp")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)

        let process = Process()
        process.executableURL = guestpipeBinary()
        process.arguments = ["read", export]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = pipe.fileHandleForReading.readData(ofLength: 100)
        try pipe.fileHandleForReading.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 141, "a closed pipe ends the command quietly")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), [])

        let run = Process()
        run.executableURL = guestpipeBinary()
        run.arguments = ["run", "--input", export, "--out", path("out")]
        run.environment = ProcessInfo.processInfo.environment.merging(key) { $1 }
        run.standardError = FileHandle.nullDevice
        try run.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, run.isRunning,
              !(try FileManager.default.contentsOfDirectory(atPath: directory.path)).contains(where: { $0.hasPrefix(".out.staging-") }) {
            usleep(2_000)
        }
        kill(run.processIdentifier, SIGTERM)
        run.waitUntilExit()
        XCTAssertTrue([0, 128 + SIGTERM].contains(run.terminationStatus), "status \(run.terminationStatus)")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.contains(".staging-") })
    }

    // MARK: 12. The interface

    func testInterfaceReproductions() throws {
        let first = try write("in/a-2026-03-01.csv", export([row("ch_1", email: "a@mail.test-shop.com")]))
        let second = try write("in/b-2026-03-02.csv", export([row("ch_2", "2026-03-02 10:00:00", email: "b@mail.test-shop.com")]))
        let both = try run(["run", "--input", first, second, "--out", path("o")])
        XCTAssertEqual(both.status, 0, both.stderr)
        XCTAssertEqual(try summary(path("o"))["rows_read"] as? Int, 2)

        let semicolons = try write("semi.csv", "id;Created date (UTC);Amount;Currency;Status;Customer ID\nch_1;2026-03-01 10:00:00;1.00;usd;Paid;\n")
        assertFailsCleanly(try run(["run", "--input", semicolons, "--out", path("o2")]), 65, mentioning: ["(;)"])
        let warehouse = try write("wh.csv", "id,created,amount,currency,status\nch_1,1700000000,100,usd,succeeded\n")
        assertFailsCleanly(try run(["run", "--input", warehouse, "--out", path("o3")]), 65, mentioning: ["\"customer_id\" is missing"])
        let newline = try write("two\nlines.csv", "id,Created date (UTC),Amount\n")
        assertFailsCleanly(try run(["run", "--input", newline, "--out", path("o4")]), 65, mentioning: ["two\\nlines.csv"])
        assertFailsCleanly(try run(["run", "--input", first, "--out", path("o5"), "--log-file", path("no/such/folder/log")]), 74)
        let huge = try run(["sample", "--days", "100000000000", "--out", path("s")])
        XCTAssertEqual(huge.status, 64, huge.stderr)
        XCTAssertFalse(huge.stderr.contains("Fatal error"))
        let unreadable = try run(["run", "--input", path("in"), "--out", "/proc/version/x"])
        XCTAssertNotEqual(unreadable.status, 0)
        XCTAssertEqual(unreadable.stderr.split(separator: "\n").count, 1, unreadable.stderr)
    }

    // MARK: 15. The fuzz targets' seeds and this file's hostile inputs replay without a trap

    func testTheFuzzProgramReplaysItsSeedsAndHostileInputs() throws {
        let fuzz = guestpipeBinary().deletingLastPathComponent().appendingPathComponent("guestpipe-fuzz").path
        let seeds = TestPaths.fixtures.appendingPathComponent("fuzz")
        let hostile = [
            try write("h1.csv", HostileInputTests.header + "\n\"unclosed,quote\n"),
            try write("h2.csv", String(repeating: ",", count: 20_000) + "\n"),
            try write("h3.csv", "id,Created date (UTC),Amount,Currency,Status,Customer ID\n" + String(repeating: "x", count: 300) + ",2026-03-01 10:00:00,1.00,usd,Paid,\n"),
            try write("h4.csv", export([row("ch_1", amount: "99999999999999999999.99")])),
        ]
        for (target, inputs) in [("decoder", [seeds.appendingPathComponent("decoder").path] + hostile),
                                 ("archive", [seeds.appendingPathComponent("archive").path] + hostile)] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: fuzz)
            process.arguments = [target] + inputs
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "\(target): \(printed)")
            XCTAssertTrue(printed.contains("without a trap"), printed)
        }
    }
}
