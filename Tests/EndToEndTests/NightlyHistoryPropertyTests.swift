import Foundation
import Grouping
import GuestPipeTestSupport
import Pipeline
import Reports
import XCTest

/// Equality stays the law (issue #11 item 3), on the built binary: whatever sequence of nightly
/// events built a state, `guestpipe run --state` writes every deterministic CSV byte for byte
/// as one ad-hoc run (no state) over exactly the exports the state holds, which is what
/// `--rebuild` computes. The events, in random sequences on a generated history of 200 days of
/// tens of payments each, for every grouping policy: the next day, a late day (delivered out of
/// order), a re-exported (changed) day, a missing export, its return, `--rebuild`,
/// `--rebuild --forget-missing`, and a run SIGKILLed at one of the four crash points
/// (`GUESTPIPE_TEST_CRASH_AT`) during any of those, followed at once by the same command
/// again. A killed run leaves the previous outputs or the new ones, each whole, never a mix.
/// The sequences come from seeded SplitMix generators: a failure names policy, seed and step
/// with the events before it, and running the test again replays it
/// (`GUESTPIPE_NIGHTLY_SEEDS=1,2,…` picks other seeds).
final class NightlyHistoryPropertyTests: XCTestCase {
    static let crashPoints = ["after-read", "before-publish", "after-publish", "before-commit"]
    /// Steps after the first night, per sequence.
    static let steps = 20
    var directory: URL!
    var keyFile: String!
    /// Every day's export of the generated history, in date order.
    var history: [String] = []

    override func setUpWithError() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: guestpipeBinary().path), "built binary at \(guestpipeBinary().path)")
        directory = try TestPaths.temporaryDirectory("nightly")
        keyFile = path("key")
        try "nightly-history-key-0123456789".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let sample = try guestpipe(["sample", "--rows", "4000", "--days", "200", "--seed", "11", "--compression", "none", "--out", path("history")])
        XCTAssertEqual(sample.status, 0, sample.stderr)
        history = try TestPaths.files(in: URL(fileURLWithPath: path("history")), suffix: ".csv").map(\.path)
        XCTAssertEqual(history.count, 200)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Every output whose bytes the inputs fix (all CSVs but `id_changes.csv`, which records
    /// when and in which run an id changed); none when the folder does not exist yet.
    func deterministicOutputs(_ folder: String) throws -> [String: Data] {
        guard FileManager.default.fileExists(atPath: folder) else { return [:] }
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".csv") && name != "id_changes.csv" {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return result
    }

    /// The output folder is one published set: exactly the files its manifest lists (plus the
    /// manifest and the marker), each with the bytes the manifest hashed. Nil if it is whole.
    func brokenSet(_ folder: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: folder) else { return nil }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any]
        let listed = (manifest?["outputs"] as? [[String: Any]]) ?? []
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        let expected = Set(listed.compactMap { $0["name"] as? String } + ["manifest.json", Publisher.markerName])
        if present != expected { return "files \(present.sorted()) are not the manifest's \(expected.sorted())" }
        for output in listed {
            let name = output["name"] as? String ?? "?"
            if try Hashing.sha256Hex(file: folder + "/" + name) != output["sha256"] as? String { return "\(name) is not the manifest's bytes" }
        }
        return nil
    }

    func testRandomNightlySequencesWithKilledRunsEqualOneRunOverWhatTheStateHolds() throws {
        let seeds = (ProcessInfo.processInfo.environment["GUESTPIPE_NIGHTLY_SEEDS"] ?? "1").split(separator: ",").compactMap { UInt64($0) }
        var events: [String: Int] = [:]
        for policy in GroupingPolicy.allCases {
            for seed in seeds {
                try runSequence(policy: policy, seed: seed, events: &events)
            }
        }
        let kinds = ["first night", "next day", "late day", "re-exported day", "missing export", "missing export back", "rebuild",
                     "rebuild, forgetting the missing", "killed run"] + Self.crashPoints.map { "killed at " + $0 }
        print("nightly events: \(events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        for kind in kinds {
            XCTAssertGreaterThan(events[kind] ?? 0, 0, "the random sequences never had a \(kind)")
        }
    }

    /// One random sequence of nights on its own inbox and state, checked after every run.
    func runSequence(policy: GroupingPolicy, seed: UInt64, events: inout [String: Int]) throws {
        let fm = FileManager.default
        var random = SplitMix(state: seed &* 0x9E37_79B9 &+ UInt64(GroupingPolicy.allCases.firstIndex(of: policy) ?? 0))
        let folder = path("\(policy.rawValue)-\(seed)")
        let inbox = folder + "/inbox", shadow = folder + "/shadow", state = folder + "/state", out = folder + "/out", adHoc = folder + "/adhoc"
        try fm.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: shadow, withIntermediateDirectories: true)
        let common = ["--id-key-file", keyFile!, "--policy", policy.rawValue, "--hub-max-cards", "4", "--allow-no-new"]
        func nightly(_ extra: [String], crashAt point: String? = nil) throws -> Run {
            try guestpipe(["run", "--input", inbox, "--state", state, "--out", out] + common + extra,
                          environment: point.map { ["GUESTPIPE_TEST_CRASH_AT": $0] } ?? [:])
        }

        // What the state holds is mirrored in the shadow folder; one ad-hoc run over it gives the
        // expected bytes, computed again (beside the nightly run) only when the shadow changed.
        var shadowVersion = 0, expectedVersion = -1
        var expected: [String: Data] = [:]
        var trail: [String] = []
        func failure(_ step: Int, _ text: String) -> String {
            "\(policy.rawValue), seed \(seed), step \(step) (\(trail.last ?? "")): \(text); events so far: \(trail.joined(separator: " | "))"
        }

        // History days still to come (indices into `history`, in date order) and the latest
        // day delivered: a pending day before it is a late day.
        let firstNight = 120 + random.next(60)
        var holes = Set<Int>()
        while holes.count < 8 { holes.insert(1 + random.next(firstNight - 2)) }
        var pending = holes.sorted() + Array(firstNight..<history.count)
        var latest = firstNight - 1
        var missing: [String] = []  // names the state holds that are gone from the inbox
        func deliver(_ day: Int) throws {
            let name = (history[day] as NSString).lastPathComponent
            try fm.copyItem(atPath: history[day], toPath: inbox + "/" + name)
            try fm.copyItem(atPath: history[day], toPath: shadow + "/" + name)
            pending.removeAll { $0 == day }
            latest = max(latest, day)
            shadowVersion += 1
        }

        for step in 0...Self.steps {
            var flags: [String] = []
            let event: String
            let delivered = try fm.contentsOfDirectory(atPath: inbox).sorted()
            let roll = random.next(10)
            let late = pending.filter { $0 < latest }
            switch roll {
            case _ where step == 0:
                event = "first night"
                for day in 0..<firstNight where !holes.contains(day) { try deliver(day) }
            case 0...2 where pending.contains(where: { $0 > latest }):
                event = "next day"
                try deliver(latest + 1)
            case 3 where !late.isEmpty:
                event = "late day"
                try deliver(late[random.next(late.count)])
            case 4 where !delivered.isEmpty:
                event = "re-exported day"
                let name = delivered[random.next(delivered.count)]
                var lines = try String(contentsOfFile: inbox + "/" + name, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                if lines.count > 3 { lines.remove(at: 1 + random.next(lines.count - 3)) }
                let changed = lines.joined(separator: "\n")
                try changed.write(toFile: inbox + "/" + name, atomically: true, encoding: .utf8)
                try changed.write(toFile: shadow + "/" + name, atomically: true, encoding: .utf8)
                shadowVersion += 1
            case 5 where delivered.count > 1:
                event = "missing export"
                let name = delivered[random.next(delivered.count)]
                try fm.removeItem(atPath: inbox + "/" + name)
                missing.append(name)
            case 6 where !missing.isEmpty:
                event = "missing export back"
                let name = missing.removeFirst()
                try fm.copyItem(atPath: shadow + "/" + name, toPath: inbox + "/" + name)
            case 7 where !missing.isEmpty:
                event = "rebuild, forgetting the missing"
                flags = ["--rebuild", "--forget-missing"]
                for name in missing { try fm.removeItem(atPath: shadow + "/" + name) }
                missing = []
                shadowVersion += 1
            case 8 where missing.isEmpty:
                event = "rebuild"
                flags = ["--rebuild"]
            default:
                event = "nothing new"
            }
            events[event, default: 0] += 1
            let crashPoint = random.next(3) == 0 ? Self.crashPoints[random.next(Self.crashPoints.count)] : nil
            trail.append(event + (crashPoint.map { ", killed at \($0)" } ?? ""))

            let expecting = expectedVersion == shadowVersion
                ? nil : Background(["run", "--input", shadow, "--out", adHoc] + common)
            func finishExpected() throws {
                guard let run = try expecting?.wait(), expectedVersion != shadowVersion else { return }
                XCTAssertEqual(run.status, 0, failure(step, "the ad-hoc run failed: \(run.stderr)"))
                expected = try deterministicOutputs(adHoc)
                expectedVersion = shadowVersion
            }
            if let crashPoint {
                events["killed run", default: 0] += 1
                events["killed at " + crashPoint, default: 0] += 1
                let previous = try deterministicOutputs(out)
                let killed = try nightly(flags, crashAt: crashPoint)
                try finishExpected()
                XCTAssertEqual(killed.status, 9, failure(step, "not killed by SIGKILL: \(killed.stderr)"))
                if let broken = try brokenSet(out) { return XCTFail(failure(step, "after the kill the outputs are a mix: \(broken)")) }
                let early = crashPoint == "after-read" || crashPoint == "before-publish"
                if try deterministicOutputs(out) != (early ? previous : expected) {
                    return XCTFail(failure(step, early ? "the kill changed the previous outputs" : "the kill left other than the new outputs"))
                }
            }
            let run = try nightly(flags)
            try finishExpected()
            guard run.status == 0 else { return XCTFail(failure(step, "the nightly run failed (\(run.status)): \(run.stderr)")) }
            let stateful = try deterministicOutputs(out)
            XCTAssertFalse(expected.isEmpty, failure(step, "the ad-hoc run wrote no CSVs"))
            if stateful.keys.sorted() != expected.keys.sorted() {
                return XCTFail(failure(step, "outputs \(stateful.keys.sorted()) are not the ad-hoc run's \(expected.keys.sorted())"))
            }
            let differing = expected.keys.sorted().filter { stateful[$0] != expected[$0] }
            if !differing.isEmpty { return XCTFail(failure(step, "\(differing) differ from one run over the exports the state holds")) }
            if crashPoint != nil {
                let leftovers = try fm.contentsOfDirectory(atPath: folder).filter { $0.contains(".staging-") }
                XCTAssertEqual(leftovers, [], failure(step, "abandoned staging folders are cleaned up"))
            }
        }
    }
}

/// A `guestpipe` run on another thread, so the ad-hoc run and the nightly run use both cores.
final class Background: @unchecked Sendable {
    // @unchecked: `result` is written once on the worker before `leave()` and read after `wait()`.
    private var result: Result<Run, Error>?
    private let group = DispatchGroup()

    init(_ arguments: [String]) {
        group.enter()
        DispatchQueue.global().async {
            self.result = Result { try guestpipe(arguments) }
            self.group.leave()
        }
    }

    func wait() throws -> Run {
        group.wait()
        return try result!.get()
    }
}
