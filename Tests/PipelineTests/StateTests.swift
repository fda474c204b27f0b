import Codecs
import Foundation
import FraudReview
import GuestPipeCore
import GuestPipeTestSupport
import Grouping
import Pipeline
import Reports
import SampleData
import XCTest

final class StateTests: XCTestCase {
    var directory: URL!
    var keyFile: String!
    let deterministic = ["guests.csv", "guest_totals.csv", "guest_payments.csv", "guests_stripe.csv", "unmatched.csv", "incomplete.csv"]

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("state")
        keyFile = directory.appendingPathComponent("key").path
        try "state-test-key-0123456789".write(toFile: keyFile, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func settings(inputs: [String], out: String, state: String?, policy: GroupingPolicy = .card) -> RunSettings {
        var settings = RunSettings()
        settings.inputs = inputs
        settings.outputDirectory = out
        settings.stateDirectory = state
        settings.idKeyFile = keyFile
        settings.grouping.policy = policy
        return settings
    }

    func contents(_ folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in deterministic { result[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) }
        for name in ["hubs.csv", "guest_links.csv"] { result[name] = FileManager.default.contents(atPath: folder + "/" + name) }
        return result
    }

    func sample(days: Int, seed: UInt64, into folder: String) throws -> [String] {
        var options = SampleOptions()
        options.payments = 5000
        options.days = days
        options.seed = seed
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try SampleGenerator(options: options).write(to: folder)
    }

    /// The guarantee of the nightly mode: day by day equals one full run, byte for byte,
    /// whatever order the days arrive in, and for both policies.
    func testDayByDayEqualsAFullRebuildByteForByte() throws {
        let exports = try sample(days: 5, seed: 11, into: path("all"))
        for policy in GroupingPolicy.allCases {
            let inbox = path("inbox-\(policy)")
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            // Days arrive out of order: day 3 comes late, after day 5.
            for index in [0, 1, 3, 4, 2] {
                let name = (exports[index] as NSString).lastPathComponent
                try FileManager.default.copyItem(atPath: exports[index], toPath: inbox + "/" + name)
                let outcome = try GuestRun.execute(settings(inputs: [inbox], out: path("daily-\(policy)"), state: path("state-\(policy)"), policy: policy))
                XCTAssertEqual(outcome.newFiles, 1)
            }
            _ = try GuestRun.execute(settings(inputs: [inbox], out: path("full-\(policy)"), state: nil, policy: policy))
            XCTAssertEqual(try contents(path("daily-\(policy)")), try contents(path("full-\(policy)")), "\(policy)")
            // Each night writes only the registry rows that changed; the registry must still be
            // the one a state built at once holds.
            _ = try GuestRun.execute(settings(inputs: [inbox], out: path("once-\(policy)"), state: path("state-once-\(policy)"), policy: policy))
            let nightly = try StateStore(directory: path("state-\(policy)"), create: false).previousRegistry()
            let once = try StateStore(directory: path("state-once-\(policy)"), create: false).previousRegistry()
            XCTAssertEqual(nightly?.count, once?.count, "\(policy)")
            XCTAssertTrue(nightly == once, "\(policy): the registry kept night by night differs from one written at once")
            var rebuild = settings(inputs: [inbox], out: path("rebuilt-\(policy)"), state: path("state-\(policy)"), policy: policy)
            rebuild.rebuild = true
            _ = try GuestRun.execute(rebuild)
            XCTAssertEqual(try contents(path("rebuilt-\(policy)")), try contents(path("full-\(policy)")), "\(policy) rebuild")
        }
    }

    /// A cron job names `/data/inbox`, a person runs from `/data` with `inbox`: the same exports,
    /// never new ones beside missing ones (which would re-read the whole history).
    func testAnotherSpellingOfAnExportsPathIsTheSameExport() throws {
        _ = try sample(days: 2, seed: 15, into: path("in"))
        _ = try GuestRun.execute(settings(inputs: [path("in")], out: path("o"), state: path("s")))
        var again = settings(inputs: [directory.path + "//./in/../in/"], out: path("o"), state: path("s"))
        XCTAssertThrowsError(try GuestRun.execute(again)) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code.exitCode, 66, "nothing new: \(error)")
        }
        again.allowNoNew = true
        let outcome = try GuestRun.execute(again)
        XCTAssertEqual([outcome.newFiles, outcome.changedFiles, outcome.missingFiles], [0, 0, 0])
        XCTAssertEqual(try StateStore(directory: path("s"), create: false).files().map(\.path), try InputFiles.expand([path("in")]).sorted())
    }

    func testNothingNewIsExit66AndChangedSettingsAreExit78() throws {
        let exports = try sample(days: 2, seed: 12, into: path("in"))
        _ = try GuestRun.execute(settings(inputs: exports, out: path("o"), state: path("s")))
        XCTAssertThrowsError(try GuestRun.execute(settings(inputs: exports, out: path("o"), state: path("s")))) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code.exitCode, 66)
        }
        var allow = settings(inputs: exports, out: path("o"), state: path("s"))
        allow.allowNoNew = true
        XCTAssertEqual(try GuestRun.execute(allow).newFiles, 0)
        XCTAssertThrowsError(try GuestRun.execute(settings(inputs: exports, out: path("o"), state: path("s"), policy: .dashboard))) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code.exitCode, 78)
        }
        try "another-key-0123456789abc".write(toFile: keyFile, atomically: true, encoding: .utf8)
        var other = settings(inputs: exports, out: path("o"), state: path("s"))
        other.allowNoNew = true
        XCTAssertThrowsError(try GuestRun.execute(other)) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code.exitCode, 78)
        }
    }

    func testAChangedExportReplacesWhatItContributedAndAMissingOneIsKept() throws {
        let exports = try sample(days: 3, seed: 13, into: path("in"))
        let first = try GuestRun.execute(settings(inputs: exports, out: path("o"), state: path("s")))
        // A changed export: the last day re-exported with its first data row removed.
        let last = exports[2]
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: last)))
        var text = String(decoding: try ZstdBuffer.decompress(bytes, name: last), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let removed = lines.remove(at: lines.count - 2)  // the last payment of the day
        text = lines.joined(separator: "\n")
        try Data(try ZstdBuffer.compress(Array(text.utf8))).write(to: URL(fileURLWithPath: last))
        let second = try GuestRun.execute(settings(inputs: exports, out: path("o"), state: path("s")))
        XCTAssertEqual(second.changedFiles, 1)
        XCTAssertEqual(second.payments, first.payments - 1, "the removed row's payment is gone: \(removed.prefix(30))")
        // A missing export keeps its payments, with a warning.
        var third = settings(inputs: [exports[0], exports[1]], out: path("o"), state: path("s"))
        third.allowNoNew = true
        let kept = try GuestRun.execute(third)
        XCTAssertEqual(kept.missingFiles, 1)
        XCTAssertEqual(kept.payments, second.payments)
        XCTAssertTrue(kept.warnings.contains { $0.contains("missing") })
        var rebuild = settings(inputs: [exports[0], exports[1]], out: path("o"), state: path("s"))
        rebuild.rebuild = true
        XCTAssertThrowsError(try GuestRun.execute(rebuild)) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code.exitCode, 66)
        }
        rebuild.forgetMissing = true
        XCTAssertLessThan(try GuestRun.execute(rebuild).payments, second.payments)
    }

    func testLateDataThatMovesAnAnchorRecordsTheOldIdAndLookUpsFollowIt() throws {
        let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Card Fingerprint\n"
        let inbox = path("late")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try (header + "ch_2,2026-01-02 10:00:00,5.00,0,usd,Paid,,ana@x.com,\n").write(toFile: inbox + "/p-2026-01-02.csv", atomically: true, encoding: .utf8)
        var run = settings(inputs: [inbox], out: path("o"), state: path("s"), policy: .dashboard)
        _ = try GuestRun.execute(run)
        let before = try String(contentsOfFile: path("o") + "/guests.csv", encoding: .utf8)
        let oldID = String(before.split(separator: "\n")[1].prefix { $0 != "," })
        // An older payment of the same guest arrives late, with a card: the anchor moves.
        try (header + "ch_1,2026-01-01 09:00:00,7.00,0,usd,Paid,,ana@x.com,fpZ\n").write(toFile: inbox + "/p-2026-01-01.csv", atomically: true, encoding: .utf8)
        let outcome = try GuestRun.execute(run)
        XCTAssertEqual(outcome.idChanges, 1)
        let after = try String(contentsOfFile: path("o") + "/guests.csv", encoding: .utf8)
        let newID = String(after.split(separator: "\n")[1].prefix { $0 != "," })
        XCTAssertNotEqual(oldID, newID)
        let changes = try String(contentsOfFile: path("o") + "/id_changes.csv", encoding: .utf8)
        XCTAssertTrue(changes.contains("\(oldID),\(newID),"), changes)
        run.allowNoNew = true
        let found = try XCTUnwrap(try GuestLookup.find(oldID, settings: run))
        XCTAssertEqual(found.summary.id, newID)
        XCTAssertTrue(found.matchedBy.contains("former"))
        XCTAssertEqual(try GuestLookup.find("ANA@x.com", settings: run)?.summary.id, newID)
        XCTAssertEqual(try GuestLookup.find("ch_1", settings: run)?.summary.id, newID)
        XCTAssertEqual(try GuestLookup.find("fpZ", settings: run)?.summary.id, newID)
        XCTAssertNil(try GuestLookup.find("nobody@x.com", settings: run))
    }

    func testAWindowReportAndAReportFromStateLeaveTheStateAlone() throws {
        let exports = try sample(days: 3, seed: 14, into: path("in"))
        _ = try GuestRun.execute(settings(inputs: exports, out: path("o"), state: path("s")))
        var report = settings(inputs: [], out: path("again"), state: path("s"))
        report.reportOnly = true
        _ = try GuestRun.execute(report)
        XCTAssertEqual(try contents(path("again")), try contents(path("o")))
        var window = settings(inputs: exports, out: path("window"), state: path("s"))
        let day = UTCTime.parse("2026-03-02")!
        window.grouping.window = day...(day + 86_399)
        window.allowNoNew = true
        let outcome = try GuestRun.execute(window)
        let created = try String(contentsOfFile: path("window") + "/guest_payments.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[3]) }
        XCTAssertFalse(created.isEmpty)
        XCTAssertTrue(created.allSatisfy { $0.hasPrefix("2026-03-02") }, "only the window's payments")
        XCTAssertLessThan(outcome.guestPayments, 5000)
        // The state was not touched: a normal run still finds nothing new.
        XCTAssertThrowsError(try GuestRun.execute(settings(inputs: exports, out: path("o"), state: path("s"))))
    }

    func testEveryShippedPipelineFileParses() throws {
        let files = try TestPaths.files(in: TestPaths.packageRoot.appendingPathComponent("pipelines"), suffix: ".toml")
        XCTAssertGreaterThanOrEqual(files.count, 3)
        for file in files {
            let pipeline = try PipelineFile.load(file.path)
            XCTAssertFalse(pipeline.inputs.isEmpty, file.lastPathComponent)
            XCTAssertNotNil(pipeline.state, file.lastPathComponent)
        }
    }

    func testABadPipelineFileReportsEveryProblemWithItsLine() throws {
        let file = path("bad.toml")
        try "version = 1\ninputs = [\"x\"]\ncolour = \"red\"\n[grouping]\npolicy = \"clustered\"\nregion = \"US\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineFile.load(file)) { error in
            let error = error as? GuestPipeError
            XCTAssertEqual(error?.code.exitCode, 78)
            let message = error?.message ?? ""
            XCTAssertTrue(message.contains("3 problems"), message)
            XCTAssertTrue(message.contains("line 3: unknown key \"colour\""), message)
            XCTAssertTrue(message.contains("line 6: unknown key \"grouping.region\""), message)
            XCTAssertTrue(message.contains("line 5: grouping.policy"), message)
        }
    }

    func testUnknownAndOutOfRangeFraudSettingsAreProblemsWithTheirLines() throws {
        let file = path("fraud.toml")
        try "version = 1\ninputs = [\"x\"]\n[fraud]\nreview_score = 30\nbogus_key = 1\ncard_testing_points = 2.5\nvelocity_hour_points = -3\nrisk_highest_points = 30\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineFile.load(file)) { error in
            let error = error as? GuestPipeError
            XCTAssertEqual(error?.code.exitCode, 78)
            let message = error?.message ?? ""
            XCTAssertTrue(message.contains("3 problems"), message)
            XCTAssertTrue(message.contains("line 5: unknown key \"fraud.bogus_key\" (known: \(FraudThresholds.settingNames.joined(separator: ", ")))"), message)
            XCTAssertTrue(message.contains("line 6: \"fraud.card_testing_points\" must be an integer"), message)
            XCTAssertTrue(message.contains("line 7: fraud.velocity_hour_points takes a whole number from 0 to 1000000"), message)
        }
        try "version = 1\ninputs = [\"x\"]\n[fraud]\nreview_score = 30\nrisk_highest_points = 30\n".write(toFile: file, atomically: true, encoding: .utf8)
        let thresholds = try FraudThresholds(validating: try PipelineFile.load(file).fraud)
        XCTAssertEqual(thresholds.reviewScore, 30)
        XCTAssertEqual(thresholds.riskHighestPoints, 30)
    }

    func testAValueOutsideASettingsCasesListsEveryCase() throws {
        let file = path("values.toml")
        try "version = 1\ninputs = [\"x\"]\ncompress = \"gzip\"\n[grouping]\npolicy = \"clustered\"\n[privacy]\nreports = \"hidden\"\ncsv = \"masked\"\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineFile.load(file)) { error in
            let message = (error as? GuestPipeError)?.message ?? ""
            XCTAssertTrue(message.contains("3 problems"), message)
            XCTAssertTrue(message.contains("line 3: compress is \"none\" or \"zstd\""), message)
            XCTAssertTrue(message.contains("line 5: grouping.policy is \"card\", \"dashboard\" or \"linked\""), message)
            XCTAssertTrue(message.contains("line 7: privacy.reports is \"full\", \"masked\" or \"pseudonymised\""), message)
            for value in OutputCompression.allCases.map(\.rawValue) + GroupingPolicy.allCases.map(\.rawValue) + PrivacyMode.allCases.map(\.rawValue) {
                XCTAssertTrue(message.contains("\"\(value)\""), value)
            }
        }
        try "version = 1\ninputs = [\"x\"]\ncompress = \"zstd\"\n[grouping]\npolicy = \"dashboard\"\n[privacy]\nreports = \"pseudonymised\"\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let pipeline = try PipelineFile.load(file)
        XCTAssertEqual(pipeline.compress, .zstd)
        XCTAssertEqual(pipeline.policy, .dashboard)
        XCTAssertEqual(pipeline.privacyReports, .pseudonymised)
        XCTAssertNil(pipeline.privacyCSV)
    }
}
