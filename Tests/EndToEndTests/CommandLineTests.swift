import Foundation
import GuestPipeTestSupport
import Pipeline
import Reports
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `guestpipe` binary as a user would.
struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
}

func guestpipeBinary() -> URL {
    if let override = ProcessInfo.processInfo.environment["GUESTPIPE_BIN"] { return URL(fileURLWithPath: override) }
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = runner.deletingLastPathComponent()
    if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
    return directory.appendingPathComponent("guestpipe")
}

/// Standard output read on another thread (the DispatchGroup orders the write before the read).
final class Collected: @unchecked Sendable {
    var stdout = Data()
}

@discardableResult
func guestpipe(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.executableURL = guestpipeBinary()
    process.arguments = arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let collected = Collected()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { collected.stdout = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: collected.stdout, as: UTF8.self),
               stderr: String(decoding: errData, as: UTF8.self))
}

final class CommandLineTests: XCTestCase {
    var directory: URL!
    var files: [String] = []

    override func setUpWithError() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: guestpipeBinary().path), "built binary at \(guestpipeBinary().path)")
        directory = try TestPaths.temporaryDirectory("e2e")
        let run = try guestpipe(["sample", "--rows", "3000", "--days", "3", "--seed", "5", "--out", directory.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        files = try TestPaths.files(in: directory, suffix: ".csv.zst").map(\.path)
        XCTAssertEqual(files.count, 3)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testHelpTeachesTheCommandsAndExitCodes() throws {
        let help = try guestpipe(["--help"])
        XCTAssertEqual(help.status, 0)
        for word in ["run", "inspect", "read", "sample", "Exit codes", "65", "66"] {
            XCTAssertTrue(help.stdout.contains(word), "--help mentions \(word)")
        }
        let readHelp = try guestpipe(["read", "--help"])
        XCTAssertTrue(readHelp.stdout.contains("--rejects"))
        XCTAssertTrue(readHelp.stdout.contains("staged"))
    }

    func testInspectDescribesEveryFile() throws {
        let run = try guestpipe(["inspect"] + files)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.components(separatedBy: "layout: dashboard-new").count - 1, 3)
        XCTAssertTrue(run.stdout.contains("compression: zstd, 1 frame"))
        XCTAssertTrue(run.stdout.contains("guest share:"))
        XCTAssertTrue(run.stdout.contains("total: 3 files"))
        let json = try guestpipe(["inspect", "--json", files[0]])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["layout"] as? String, "dashboard-new")
        XCTAssertEqual(object?["rejects"] as? Int, 0)
    }

    func testReadPrintsOneJSONObjectPerPaymentWithCardNumbersMasked() throws {
        let run = try guestpipe(["read"] + files)
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n")
        let inspect = try guestpipe(["inspect", "--json"] + files)
        let expected = inspect.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["payments"] as? Int
        }.reduce(0, +)
        XCTAssertEqual(lines.count, expected)
        for line in lines.prefix(50) {
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(line.utf8)))
        }
        XCTAssertEqual(try PANCorpus.leaks(in: run.stdout), [])
    }

    func testATruncatedInputPrintsNothingButAnErrorAndExits65() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: files[1]))
        let truncated = directory.appendingPathComponent("cut.csv.zst")
        try bytes.prefix(bytes.count - 5).write(to: truncated)
        let run = try guestpipe(["read", files[0], truncated.path])
        XCTAssertEqual(run.status, 65)
        XCTAssertEqual(run.stdout, "", "nothing is published when an input is corrupt")
        XCTAssertTrue(run.stderr.contains("cut.csv.zst"), run.stderr)
        XCTAssertTrue(run.stderr.contains("truncated"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one clear error line")
    }

    func testAMissingColumnNamesItAndTheClosestHeaderWithoutPersonalData() throws {
        let file = directory.appendingPathComponent("bad-header.csv")
        try "id,Created date (UTC),Amount,Currency,Status,Customer,Customer Email\nch_1,2024-01-01 00:00:00,1.00,usd,Paid,,ana@example.org\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let run = try guestpipe(["inspect", file.path])
        XCTAssertEqual(run.status, 65)
        XCTAssertTrue(run.stderr.contains("\"Customer ID\""), run.stderr)
        XCTAssertTrue(run.stderr.contains("\"Customer\""), run.stderr)
        XCTAssertFalse(run.stderr.contains("ana@example.org"))
    }

    func testNoInputExits66AndBadUsageExits64() throws {
        let missing = try guestpipe(["read", directory.appendingPathComponent("nope.csv.zst").path])
        XCTAssertEqual(missing.status, 66)
        XCTAssertTrue(missing.stderr.contains("nope.csv.zst"))
        XCTAssertEqual(try guestpipe(["sample", "--rows", "0", "--out", directory.path]).status, 64)
        XCTAssertEqual(try guestpipe(["frobnicate"]).status, 64)
    }

    func testRejectsAreListedWithTheirReasonsAndCounted() throws {
        let file = directory.appendingPathComponent("rejects.csv")
        try "id,Created date (UTC),Amount,Currency,Status,Customer ID,Description\nch_1,2024-01-01 00:00:00,1.00,usd,Paid,,ok\nch_2,2024-01-01 00:00:00,\"1,00\",usd,Paid,,my card 4242 4242 4242 4242\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let payments = try guestpipe(["read", file.path])
        XCTAssertEqual(payments.status, 0)
        XCTAssertEqual(payments.stdout.split(separator: "\n").count, 1)
        XCTAssertTrue(payments.stderr.contains("1 rows were rejected"), payments.stderr)
        let rejects = try guestpipe(["read", "--rejects", file.path])
        let object = try JSONSerialization.jsonObject(with: Data(rejects.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["reason"] as? String, "bad_amount")
        XCTAssertEqual(object?["line"] as? Int, 3)
        XCTAssertEqual(object?["column"] as? String, "Amount")
        XCTAssertEqual(try PANCorpus.leaks(in: rejects.stdout), [])
        XCTAssertTrue(rejects.stdout.contains("424242******4242"))
    }

    func testSamplePeopleWritesOnePersonPerPaymentOwnerOnly() throws {
        let people = directory.appendingPathComponent("people.csv").path
        let folder = directory.appendingPathComponent("people-sample").path
        let run = try guestpipe(["sample", "--rows", "500", "--days", "2", "--out", folder, "--people", people])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = try String(contentsOfFile: people, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "payment_id,person")
        XCTAssertGreaterThan(lines.count, 500)
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.split(separator: ",").count == 2 && Int($0.split(separator: ",")[1]) != nil })
        let attributes = try FileManager.default.attributesOfItem(atPath: people)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertTrue(try guestpipe(["sample", "--help"]).stdout.contains("--people"))
    }

    func testSampleHasTheLinkageTrapsUnlessAskedNotTo() throws {
        func text(_ extra: [String]) throws -> String {
            let folder = directory.appendingPathComponent("traps\(extra.count)").path
            let run = try guestpipe(["sample", "--rows", "6000", "--days", "2", "--compression", "none", "--out", folder] + extra)
            XCTAssertEqual(run.status, 0, run.stderr)
            return try TestPaths.files(in: URL(fileURLWithPath: folder), suffix: ".csv").map { try String(contentsOf: $0, encoding: .utf8) }.joined()
        }
        let with = try text([]), without = try text(["--no-linkage-traps"])
        XCTAssertTrue(with.contains(".family") && with.contains("555-0123"), "family emails and shop phones")
        XCTAssertFalse(without.contains(".family") || without.contains("555-0123"))
    }

    func testStandardInputAndOwnerOnlyOutputFiles() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: files[0]))
        let output = directory.appendingPathComponent("payments.ndjson")
        let run = try guestpipe(["read", "-", "-o", output.path], stdin: bytes)
        XCTAssertEqual(run.status, 0, run.stderr)
        let attributes = try FileManager.default.attributesOfItem(atPath: output.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let fromFile = try guestpipe(["read", files[0]])
        XCTAssertEqual(try String(contentsOf: output, encoding: .utf8).split(separator: "\n").count,
                       fromFile.stdout.split(separator: "\n").count)
        let sampleFile = try FileManager.default.attributesOfItem(atPath: files[0])
        XCTAssertEqual((sampleFile[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testRunIsSilentUnderCronAndWritesTheGuestReports() throws {
        let out = directory.appendingPathComponent("reports").path
        let key = ["GUESTPIPE_ID_KEY": "e2e-key-0123456789abcdef"]
        let run = try guestpipe(["run", "--input", directory.path, "--out", out], environment: key)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "", "no terminal: nothing printed")
        XCTAssertEqual(run.stderr, "")
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        let expected = [Publisher.markerName, "manifest.json"] + OutputRegistry.written(stateful: false, policy: .card).map { $0.fileName(.none) }
        XCTAssertEqual(names, expected.sorted())
        XCTAssertTrue(names.contains("guests_stripe.csv") && names.contains("report.html"), "the registry lists the outputs")
        let guests = try String(contentsOfFile: out + "/guests.csv", encoding: .utf8)
        XCTAssertTrue(guests.hasPrefix("guest_id,policy,anchor_type,"))
        XCTAssertGreaterThan(guests.split(separator: "\n").count, 100)
        // Same inputs, same key: the same ids; another key: other ids.
        let again = directory.appendingPathComponent("again").path
        XCTAssertEqual(try guestpipe(["run", "--input", files[2], "--input", files[0], "--input", files[1], "--out", again], environment: key).status, 0)
        XCTAssertEqual(try String(contentsOfFile: again + "/guests.csv", encoding: .utf8), guests)
        let other = directory.appendingPathComponent("other").path
        XCTAssertEqual(try guestpipe(["run", "--input", directory.path, "--out", other], environment: ["GUESTPIPE_ID_KEY": "a-different-key-0123456789"]).status, 0)
        XCTAssertNotEqual(try String(contentsOfFile: other + "/guests.csv", encoding: .utf8), guests)
    }

    func testRunFailuresHaveExitCodesACronJobCanActOn() throws {
        let key = ["GUESTPIPE_ID_KEY": "e2e-key-0123456789abcdef"]
        let missing = try guestpipe(["run", "--input", directory.appendingPathComponent("nothing-*.csv.zst").path, "--out", directory.appendingPathComponent("o").path], environment: key)
        XCTAssertEqual(missing.status, 66, missing.stderr)
        let shortKey = try guestpipe(["run", "--input", directory.path, "--out", directory.appendingPathComponent("o").path], environment: ["GUESTPIPE_ID_KEY": "short"])
        XCTAssertEqual(shortKey.status, 78, shortKey.stderr)
        XCTAssertEqual(try guestpipe(["run", "--input", directory.path, "--out", directory.appendingPathComponent("o").path, "--policy", "clustered"], environment: key).status, 64)
    }
}

/// Cron-grade behaviour of stateful runs, on the real binary.
final class CronTests: XCTestCase {
    var directory: URL!
    var days: [String] = []
    let key = ["GUESTPIPE_ID_KEY": "cron-key-0123456789abcdef"]
    let deterministic = ["guests.csv", "guest_totals.csv", "guest_payments.csv", "guests_stripe.csv", "unmatched.csv", "incomplete.csv", "id_changes.csv"]

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("cron")
        let all = directory.appendingPathComponent("all").path
        XCTAssertEqual(try guestpipe(["sample", "--rows", "3000", "--days", "3", "--seed", "9", "--out", all]).status, 0)
        days = try TestPaths.files(in: URL(fileURLWithPath: all), suffix: ".csv.zst").map(\.path)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func drop(_ day: Int, into inbox: String) throws {
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: days[day], toPath: inbox + "/" + (days[day] as NSString).lastPathComponent)
    }

    func outputs(_ folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in deterministic { result[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) }
        return result
    }

    func nightly(_ inbox: String, _ state: String, _ out: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> Run {
        try guestpipe(["run", "--input", inbox, "--state", state, "--out", out] + extra, environment: key.merging(environment) { $1 })
    }

    func testAKilledRunAtAnyPointRecoversToTheUninterruptedResult() throws {
        // Reference: three nights, uninterrupted.
        for day in 0..<3 {
            try drop(day, into: path("ref-in"))
            XCTAssertEqual(try nightly(path("ref-in"), path("ref-state"), path("ref-out")).status, 0)
        }
        let reference = try outputs(path("ref-out"))
        for point in ["after-read", "before-publish", "after-publish", "before-commit"] {
            let inbox = path("in-\(point)"), state = path("state-\(point)"), out = path("out-\(point)")
            for day in 0..<2 {
                try drop(day, into: inbox)
                XCTAssertEqual(try nightly(inbox, state, out).status, 0)
            }
            let before = try outputs(out)
            try drop(2, into: inbox)
            let killed = try nightly(inbox, state, out, environment: ["GUESTPIPE_TEST_CRASH_AT": point])
            XCTAssertEqual(killed.status, 9, "\(point): killed by SIGKILL")
            let afterKill = try outputs(out)
            if point == "after-read" || point == "before-publish" {
                XCTAssertEqual(afterKill, before, "\(point): the previous outputs are intact")
            } else {
                XCTAssertEqual(afterKill, reference, "\(point): the new set was published whole")
            }
            let recovered = try nightly(inbox, state, out)
            XCTAssertEqual(recovered.status, 0, "\(point): \(recovered.stderr)")
            XCTAssertEqual(try outputs(out), reference, "\(point): recovered to the uninterrupted result")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("staging") }
            XCTAssertEqual(leftovers, [], "\(point): abandoned staging folders are cleaned up")
        }
    }

    func testASecondRunOnTheSameStateExits75NamingTheHolder() throws {
        try drop(0, into: path("in"))
        let state = path("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let fd = open(state + "/lock", O_RDWR | O_CREAT, 0o600)
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        _ = "pid 4242 since 2026-11-27T03:15:00Z\n".withCString { write(fd, $0, strlen($0)) }
        let locked = try nightly(path("in"), state, path("out"))
        XCTAssertEqual(locked.status, 75)
        XCTAssertTrue(locked.stderr.contains("pid 4242 since 2026-11-27T03:15:00Z"), locked.stderr)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { flock(fd, LOCK_UN); close(fd) }
        let waited = try nightly(path("in"), state, path("out"), ["--wait", "10"])
        XCTAssertEqual(waited.status, 0, waited.stderr)
    }

    func testEveryExitCodeInTheTable() throws {
        try drop(0, into: path("in"))
        XCTAssertEqual(try nightly(path("in"), path("s"), path("o")).status, 0)
        XCTAssertEqual(try nightly(path("in"), path("s"), path("o")).status, 66, "nothing new")
        XCTAssertEqual(try nightly(path("in"), path("s"), path("o"), ["--allow-no-new"]).status, 0)
        XCTAssertEqual(try nightly(path("in"), path("s"), path("o"), ["--allow-no-new", "--policy", "dashboard"]).status, 78, "changed settings")
        let bad = path("bad.toml")
        try "version = 1\nwhat = 1\n".write(toFile: bad, atomically: true, encoding: .utf8)
        XCTAssertEqual(try guestpipe(["run", bad, "--out", path("x")]).status, 78, "bad pipeline file")
        let corrupt = path("corrupt")
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: days[1]))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: corrupt + "/payments-2026-03-09.csv.zst"))
        XCTAssertEqual(try nightly(corrupt, path("s2"), path("o2")).status, 65, "corrupt input")
        try "x".write(toFile: path("afile"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try nightly(path("in"), path("s3"), path("afile") + "/out").status, 74, "output under a file")
        XCTAssertEqual(try nightly(path("in"), path("s"), path("o"), ["--frobnicate"]).status, 64, "usage")
        XCTAssertEqual(try nightly(path("nothing-here-*"), path("s4"), path("o4")).status, 66, "no input")
    }

    /// `guestpipe diff` reads the state alone: after the second night it names the guests that
    /// night brought (every guest id not seen the night before and not a successor of an old
    /// id), the same in text and JSON, as report.md counts them.
    func testDiffPrintsWhatTheLastRunChangedAsTextAndJSON() throws {
        XCTAssertEqual(try guestpipe(["diff"]).status, 64, "no state named")
        XCTAssertEqual(try guestpipe(["diff", "--state", path("nothing-here")]).status, 66, "no state there")
        let help = try guestpipe(["diff", "--help"])
        XCTAssertTrue(help.stdout.contains("guestpipe diff --state state/"), help.stdout)
        XCTAssertTrue(help.stdout.contains("--json"))
        func guestIDs() throws -> Set<String> {
            Set(try String(contentsOfFile: path("o/guests.csv"), encoding: .utf8).split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) })
        }
        try drop(0, into: path("in"))
        try drop(1, into: path("in"))
        XCTAssertEqual(try nightly(path("in"), path("s"), path("o")).status, 0)
        let first = try guestpipe(["diff", "--state", path("s")])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.hasPrefix("run 1 (run, finished "), first.stdout)
        XCTAssertTrue(first.stdout.hasSuffix("it was the first run on this state: nothing to compare with\n"), first.stdout)
        let before = try guestIDs()

        try drop(2, into: path("in"))
        XCTAssertEqual(try nightly(path("in"), path("s"), path("o")).status, 0)
        let successors = try String(contentsOfFile: path("o/id_changes.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }.filter { $0[2] == "2" }.map { $0[1] }
        let expected = try guestIDs().subtracting(before).subtracting(successors)
        XCTAssertGreaterThan(expected.count, 100, "a new day brings new guests")

        let text = try guestpipe(["diff", "--state", path("s")])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(text.stderr, "")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("run 2 (run, finished "), lines[0])
        XCTAssertEqual(lines[1], "compared with run 1")
        XCTAssertEqual(lines[2], "new guests: \(expected.count)")
        let listed = lines.dropFirst(3).prefix { $0.hasPrefix("  gcus_") }.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(listed.count, 20, "the text lists the first 20")
        XCTAssertEqual(listed, expected.sorted().prefix(20).map { $0 })
        XCTAssertTrue(lines.contains("  … and \(expected.count - 20) more (--json lists every one)"))
        for section in ["merged: ", "split: ", "re-anchored: ", "tier rose: ", "new disputes: "] {
            XCTAssertTrue(lines.contains { $0.hasPrefix(section) }, section)
        }
        XCTAssertFalse(text.stdout.contains("@"), "ids and counts only, no personal data")
        let report = try String(contentsOfFile: path("o/report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("**What changed:** \(expected.count) new guests, "), "the report counts the same")

        let json = try guestpipe(["diff", "--state", path("s"), "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["run"] as? Int, 2)
        XCTAssertEqual(object["compared_with_run"] as? Int, 1)
        XCTAssertEqual(object["kind"] as? String, "run")
        XCTAssertTrue(object["note"] is NSNull)
        let changes = try XCTUnwrap(object["changes"] as? [String: Any])
        XCTAssertEqual(changes["followed_payments"] as? Bool, true)
        XCTAssertEqual((changes["new_guests"] as? [String]).map(Set.init), expected)
        for key in ["merged", "split", "re_anchored", "unknown_kind", "tier_rises", "new_disputes"] {
            XCTAssertNotNil(changes[key] as? [Any], key)
        }
        XCTAssertEqual((changes["unknown_kind"] as? [Any])?.count, 0)
    }

    func testPipelineFileRunGuestLookUpAndJSONLogs() throws {
        try drop(0, into: path("in"))
        let pipeline = path("p.toml")
        try "version = 1\ninputs = [\"in\"]\nstate = \"state\"\noutput = \"reports/{date}\"\n[grouping]\npolicy = \"card\"\n"
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        let logged = try guestpipe(["run", pipeline, "--log-format", "json"], environment: key)
        XCTAssertEqual(logged.status, 0, logged.stderr)
        XCTAssertEqual(logged.stdout, "")
        let events = logged.stderr.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(events.map { $0["message"] as? String }, ["run started", "run finished"])
        let reports = try FileManager.default.contentsOfDirectory(atPath: path("reports"))
        XCTAssertEqual(reports.count, 1)
        XCTAssertTrue(reports[0].hasPrefix("20"), "the {date} template")
        let guests = try String(contentsOfFile: path("reports/\(reports[0])/guest_payments.csv"), encoding: .utf8)
        let row = guests.split(separator: "\n")[1].split(separator: ",").map(String.init)
        let lookup = try guestpipe(["guest", row[0], pipeline], environment: key)
        XCTAssertEqual(lookup.status, 0, lookup.stderr)
        XCTAssertTrue(lookup.stdout.hasPrefix(row[1]), lookup.stdout)
        XCTAssertTrue(lookup.stdout.contains(row[0]))
        XCTAssertEqual(try guestpipe(["guest", "nobody@nowhere.example.org", pipeline], environment: key).status, 1)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("reports/\(reports[0])/manifest.json")))) as? [String: Any]
        XCTAssertEqual((manifest?["pipeline"] as? [String: Any])?["sha256"] as? String, try sha256(pipeline))
        XCTAssertEqual((manifest?["outputs"] as? [[String: Any]])?.map { $0["name"] as? String }.count, 15, "every output but the manifest itself")
    }

    /// `guest LOOKUP --path-to` under linked: the chain of shared identifiers between two payments.
    func testLinkedGuestLookUpPrintsTheChainBetweenTwoPayments() throws {
        let inbox = path("chain")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try """
        id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Customer Phone,Card Fingerprint
        ch_p1,2026-01-01 10:00:00,5.00,0,usd,Paid,,x@x.com,,fpA
        ch_p2,2026-01-01 11:00:00,5.00,0,usd,Paid,,x@x.com,+1 415 555 0101,fpB
        ch_p3,2026-01-01 12:00:00,5.00,0,usd,Paid,,,(415) 555-0101,fpC
        ch_q1,2026-01-01 13:00:00,5.00,0,usd,Paid,,q@x.com,,fpQ

        """.write(toFile: inbox + "/payments-2026-01-01.csv", atomically: true, encoding: .utf8)
        let state = ["--state", path("linked-state"), "--policy", "linked"]
        let run = try guestpipe(["run", "--input", inbox, "--out", path("linked-out")] + state, environment: key)
        XCTAssertEqual(run.status, 0, run.stderr)
        let links = try String(contentsOfFile: path("linked-out") + "/guest_links.csv", encoding: .utf8)
        XCTAssertEqual(links.split(separator: "\n").count, 3, links)
        let chain = try guestpipe(["guest", "ch_p1", "--path-to", "ch_p3"] + state, environment: key)
        XCTAssertEqual(chain.status, 0, chain.stderr)
        XCTAssertTrue(chain.stdout.contains("ch_p1 —email x@x.com— ch_p2 —phone +14155550101— ch_p3"), chain.stdout)
        let fromFirst = try guestpipe(["guest", "ch_p3"] + state, environment: key)
        XCTAssertTrue(fromFirst.stdout.contains("why ch_p1 and ch_p3 are one guest"), fromFirst.stdout)
        let stranger = try guestpipe(["guest", "ch_p1", "--path-to", "ch_q1"] + state, environment: key)
        XCTAssertNotEqual(stranger.status, 0)
        XCTAssertTrue(stranger.stderr.contains("not one of this guest's payments"), stranger.stderr)
        let badLimit = try guestpipe(["run", "--input", inbox, "--out", path("x"), "--hub-max-cards", "0"], environment: key)
        XCTAssertEqual(badLimit.status, 64, badLimit.stderr)
    }

    func testAnUnknownFraudSettingStopsValidateAndRunWith78() throws {
        try drop(0, into: path("in"))
        let pipeline = path("bogus.toml")
        try "version = 1\ninputs = [\"in\"]\noutput = \"reports\"\n[fraud]\nreview_score = 40\nbogus_key = 1\n"
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        for arguments in [["validate", pipeline], ["run", pipeline]] {
            let result = try guestpipe(arguments, environment: key)
            XCTAssertEqual(result.status, 78, arguments[0])
            XCTAssertTrue(result.stderr.contains("line 6: unknown key \"fraud.bogus_key\" (known: "), result.stderr)
            XCTAssertTrue(result.stderr.contains("card_testing_points"), "the known names are listed")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("reports")), "nothing is written")
    }

    func sha256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
    }
}

/// The fraud-review report as a person sees it: opened in a real headless browser.
final class ReportTests: XCTestCase {
    func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func runChromium(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try XCTUnwrap(chromium(), "chromium is installed by scripts/test (Debian's chromium)"))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testReportOpensInAHeadlessBrowserWithItsChartsAndAScreenshotIsKept() throws {
        let directory = try TestPaths.temporaryDirectory("report")
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertEqual(try guestpipe(["sample", "--rows", "4000", "--days", "3", "--seed", "4", "--out", directory.appendingPathComponent("in").path]).status, 0)
        let out = directory.appendingPathComponent("out").path
        let key = ["GUESTPIPE_ID_KEY": "report-key-0123456789abcdef"]
        let run = try guestpipe(["run", "--input", directory.appendingPathComponent("in").path, "--out", out, "--state", directory.appendingPathComponent("state").path], environment: key)
        XCTAssertEqual(run.status, 0, run.stderr)
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"), "self-contained: no network, no scripts")
        // The DOM the browser built: every section and chart is there.
        let dom = try runChromium(["--dump-dom", "file://" + out + "/report.html"])
        XCTAssertEqual(dom.status, 0)
        for chart in ["volume", "ratios", "card-testing", "sizes"] {
            XCTAssertTrue(dom.stdout.contains("data-chart=\"\(chart)\""), "chart \(chart)")
        }
        for heading in ["Headline", "Review queue", "Card testing", "Data quality", "Card-network monitoring ratios"] {
            XCTAssertTrue(dom.stdout.contains(heading), heading)
        }
        XCTAssertTrue(dom.stdout.contains("@"), "contacts are shown")
        XCTAssertFalse(dom.stdout.contains("planted.tester@"), "masked by default: j***@example.com")
        XCTAssertEqual(try PANCorpus.leaks(in: dom.stdout), [])
        // A screenshot, kept as a test artefact.
        let artefacts = TestPaths.packageRoot.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artefacts, withIntermediateDirectories: true)
        let png = artefacts.appendingPathComponent("report.png").path
        try? FileManager.default.removeItem(atPath: png)
        XCTAssertEqual(try runChromium(["--window-size=1200,3000", "--screenshot=" + png, "file://" + out + "/report.html"]).status, 0)
        let size = (try FileManager.default.attributesOfItem(atPath: png)[.size] as? NSNumber)?.intValue ?? 0
        XCTAssertGreaterThan(size, 50_000, "a real picture of the page")
        print("report screenshot: \(png)")

        // A run with nothing to report: every section says so, and that page is kept too.
        let empty = directory.appendingPathComponent("empty").path
        let headerOnly = directory.appendingPathComponent("unified_payments.csv").path
        try Data("id,Created date (UTC),Amount,Currency,Status,Customer ID\n".utf8).write(to: URL(fileURLWithPath: headerOnly))
        XCTAssertEqual(try guestpipe(["run", "--input", headerOnly, "--out", empty], environment: key).status, 0)
        let emptyDOM = try runChromium(["--dump-dom", "file://" + empty + "/report.html"])
        for sentence in ["No guest payments", "No succeeded payments", "No card payments of the monitored brands", "No card-testing burst found",
                         "No guests.", "Nothing to compare with"] {
            XCTAssertTrue(emptyDOM.stdout.contains(sentence), "empty state: \(sentence)")
        }
        XCTAssertFalse(emptyDOM.stdout.contains("(, by") || emptyDOM.stdout.contains("top 0 of 0"), "no headings with nothing in them")
        let emptyPNG = artefacts.appendingPathComponent("report-empty.png").path
        try? FileManager.default.removeItem(atPath: emptyPNG)
        XCTAssertEqual(try runChromium(["--window-size=1200,2000", "--screenshot=" + emptyPNG, "file://" + empty + "/report.html"]).status, 0)
        XCTAssertGreaterThan((try FileManager.default.attributesOfItem(atPath: emptyPNG)[.size] as? NSNumber)?.intValue ?? 0, 10_000)
        print("empty report screenshot: \(emptyPNG)")

        // The next night: the top of the report says what changed.
        let more = directory.appendingPathComponent("in2").path
        XCTAssertEqual(try guestpipe(["sample", "--rows", "4000", "--days", "4", "--seed", "4", "--out", more]).status, 0)
        let fourth = try TestPaths.files(in: URL(fileURLWithPath: more), suffix: ".csv.zst").last!
        try FileManager.default.copyItem(atPath: fourth.path, toPath: directory.appendingPathComponent("in/" + fourth.lastPathComponent).path)
        XCTAssertEqual(try guestpipe(["run", "--input", directory.appendingPathComponent("in").path, "--out", out, "--state", directory.appendingPathComponent("state").path], environment: key).status, 0)
        let next = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        XCTAssertTrue(next.contains("What changed since the last run"))
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("**What changed:**"))
        XCTAssertFalse(markdown.contains("**What changed:** 0 new guests"), "a new day brings new guests")
        // Every signal column and the risk summary's rules.
        let review = try String(contentsOfFile: out + "/fraud_review.csv", encoding: .utf8)
        XCTAssertTrue(review.hasPrefix("guest_id,score,tier,disputes,dispute_rate,card_testing,"))
        let risk = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/risk_summary.json"))) as? [String: Any]
        XCTAssertNotNil((risk?["rules"] as? [String: String])?["vamp"])
        XCTAssertFalse((risk?["monthly"] as? [[String: Any]] ?? []).isEmpty)
    }

    func testPrivacySettings() throws {
        let directory = try TestPaths.temporaryDirectory("privacy")
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertEqual(try guestpipe(["sample", "--rows", "2000", "--days", "2", "--out", directory.appendingPathComponent("in").path]).status, 0)
        let key = ["GUESTPIPE_ID_KEY": "privacy-key-0123456789abcdef"]
        let input = directory.appendingPathComponent("in").path
        let pseudonymised = try guestpipe(["run", "--input", input, "--out", directory.appendingPathComponent("p").path, "--privacy", "pseudonymised"], environment: key)
        XCTAssertEqual(pseudonymised.status, 78, "pseudonymised needs its own key")
        XCTAssertTrue(pseudonymised.stderr.contains("GUESTPIPE_PSEUDONYM_KEY"))
        let withKey = try guestpipe(["run", "--input", input, "--out", directory.appendingPathComponent("p").path, "--privacy", "pseudonymised"],
                                    environment: key.merging(["GUESTPIPE_PSEUDONYM_KEY": "pseudonym-key-0123456789"]) { $1 })
        XCTAssertEqual(withKey.status, 0, withKey.stderr)
        let guests = try String(contentsOfFile: directory.appendingPathComponent("p/guests.csv").path, encoding: .utf8)
        XCTAssertFalse(guests.contains("@"), "no email left in pseudonymised CSVs")
        XCTAssertTrue(guests.contains("email_"))
        let full = try guestpipe(["run", "--input", input, "--out", directory.appendingPathComponent("f").path, "--privacy", "full"], environment: key)
        XCTAssertEqual(full.status, 0)
        XCTAssertTrue(try String(contentsOfFile: directory.appendingPathComponent("f/report.html").path, encoding: .utf8).contains("planted.tester@mailinator.com"))
    }
}
