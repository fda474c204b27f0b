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
/// order), a re-exported day (one payment dropped or one amount raised), a missing export, its
/// return, `--rebuild`, `--rebuild --forget-missing`, and a run SIGKILLed at one of the four
/// crash points (`GUESTPIPE_TEST_CRASH_AT`) during any of those, followed at once by the same
/// command again. A killed run leaves the previous outputs or the new ones, each whole (the
/// files and hashes of its manifest), never a mix.
///
/// The sample re-exports each day in the next day's file, so most single changes would not
/// show: a re-export changes a payment's winning copy, and half the missing exports hold a
/// payment no other export carries, so that forgetting them shows.
///
/// The sequences come from seeded SplitMix generators: a failure names policy, seed and step
/// with the events before it, and running the test again replays it
/// (`GUESTPIPE_NIGHTLY_SEEDS=1,2,…` runs other seeds).
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
        var finished = true
        for policy in GroupingPolicy.allCases {
            for seed in seeds {
                finished = try runSequence(policy: policy, seed: seed, events: &events) && finished
            }
        }
        print("nightly events: \(events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        // A sequence stops at its first failure; only whole sequences show what they covered.
        guard finished else { return }
        let kinds = ["first night", "next day", "late day", "re-exported day, a payment dropped", "re-exported day, an amount raised",
                     "missing export", "missing export back", "rebuild", "rebuild, forgetting the missing", "killed run"]
            + Self.crashPoints.map { "killed at " + $0 }
        for kind in kinds {
            XCTAssertGreaterThan(events[kind] ?? 0, 0, "the random sequences never had a \(kind)")
        }
    }

    /// One random sequence of nights on its own inbox and state, checked after every run;
    /// false if it stopped at a failure.
    func runSequence(policy: GroupingPolicy, seed: UInt64, events: inout [String: Int]) throws -> Bool {
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
        func stop(_ step: Int, _ text: String) -> Bool {
            XCTFail(failure(step, text))
            return false
        }

        // History days still to come (indices into `history`, in date order) and the latest
        // day delivered: a pending day before it is a late day.
        let firstNight = 120 + random.next(60)
        var holes = Set<Int>()
        while holes.count < 8 { holes.insert(1 + random.next(firstNight - 2)) }
        var pending = holes.sorted() + Array(firstNight..<history.count)
        var latest = firstNight - 1
        var missing: [String] = []  // names the state holds that are gone from the inbox
        /// The payment id of every data line, per export in the shadow (what the state holds).
        func shadowPaymentIDs() throws -> [String: Set<Substring>] {
            var result: [String: Set<Substring>] = [:]
            for name in try fm.contentsOfDirectory(atPath: shadow) {
                let lines = try String(contentsOfFile: shadow + "/" + name, encoding: .utf8).split(separator: "\n").dropFirst()
                result[name] = Set(lines.map { $0.prefix { $0 != "," } }.filter { !$0.isEmpty })
            }
            return result
        }
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
            let delivered = try fm.contentsOfDirectory(atPath: inbox).sorted()
            let late = pending.filter { $0 < latest }
            // The events possible now, with their weights; one is drawn.
            let possible: [(String, Int)] = [
                ("next day", pending.contains { $0 > latest } ? 2 : 0), ("late day", late.isEmpty ? 0 : 2),
                ("re-exported day", delivered.isEmpty ? 0 : 2), ("missing export", delivered.count > 1 ? 2 : 0),
                ("missing export back", missing.isEmpty ? 0 : 2), ("rebuild, forgetting the missing", missing.isEmpty ? 0 : 2),
                ("rebuild", missing.isEmpty ? 1 : 0), ("nothing new", 1),
            ]
            var draw = random.next(possible.reduce(0) { $0 + $1.1 })
            let drawn = possible.first { draw -= $0.1; return draw < 0 }?.0 ?? "nothing new"
            var event = step == 0 ? "first night" : drawn
            switch event {
            case "first night":
                for day in 0..<firstNight where !holes.contains(day) { try deliver(day) }
            case "next day":
                try deliver(latest + 1)
            case "late day":
                try deliver(late[random.next(late.count)])
            case "re-exported day":
                // The line changed is a payment's winning copy (no later export in the shadow
                // carries it; the sample re-exports each day in the next), so the change shows.
                let name = delivered[random.next(delivered.count)]
                var lines = try String(contentsOfFile: inbox + "/" + name, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                let later = try shadowPaymentIDs().filter { $0.key > name }.values.reduce(into: Set<Substring>()) { $0.formUnion($1) }
                let data = Array(1..<lines.count - 1)
                let winning = data.filter { !later.contains(lines[$0].prefix { $0 != "," }) }
                let candidates = winning.isEmpty ? data : winning
                let line = candidates[random.next(candidates.count)]
                if random.next(2) == 0 {
                    event = "re-exported day, a payment dropped"
                    lines.remove(at: line)
                } else {
                    event = "re-exported day, an amount raised"
                    var fields = lines[line].split(separator: ",", omittingEmptySubsequences: false)
                    fields[2] = "1" + fields[2]  // id and created date come first, never quoted
                    lines[line] = fields.joined(separator: ",")[...]
                }
                let changed = lines.joined(separator: "\n")
                try changed.write(toFile: inbox + "/" + name, atomically: true, encoding: .utf8)
                try changed.write(toFile: shadow + "/" + name, atomically: true, encoding: .utf8)
                shadowVersion += 1
            case "missing export":
                // Half the time an export holding a payment no other export carries, so that
                // forgetting it shows.
                let ids = try shadowPaymentIDs()
                let carriers = ids.values.reduce(into: [Substring: Int]()) { counts, file in for id in file { counts[id, default: 0] += 1 } }
                let unique = delivered.filter { ids[$0]?.contains { carriers[$0] == 1 } ?? false }
                let choices = random.next(2) == 0 && !unique.isEmpty ? unique : delivered
                let name = choices[random.next(choices.count)]
                try fm.removeItem(atPath: inbox + "/" + name)
                missing.append(name)
            case "missing export back":
                let name = missing.removeFirst()
                try fm.copyItem(atPath: shadow + "/" + name, toPath: inbox + "/" + name)
            case "rebuild, forgetting the missing":
                flags = ["--rebuild", "--forget-missing"]
                for name in missing { try fm.removeItem(atPath: shadow + "/" + name) }
                missing = []
                shadowVersion += 1
            case "rebuild":
                flags = ["--rebuild"]
            default:
                break
            }
            events[event, default: 0] += 1
            let crashPoint = random.next(3) == 0 ? Self.crashPoints[random.next(Self.crashPoints.count)] : nil
            trail.append(event + (crashPoint.map { ", killed at \($0)" } ?? ""))

            let expecting = expectedVersion == shadowVersion
                ? nil : Background(["run", "--input", shadow, "--out", adHoc] + common)
            /// Takes the ad-hoc run's outputs as the expected ones; its error if it failed.
            func finishExpected() throws -> String? {
                guard let run = try expecting?.wait(), expectedVersion != shadowVersion else { return nil }
                guard run.status == 0 else { return "the ad-hoc run failed (\(run.status)): \(run.stderr)" }
                expected = try deterministicOutputs(adHoc)
                expectedVersion = shadowVersion
                return nil
            }
            if let crashPoint {
                events["killed run", default: 0] += 1
                events["killed at " + crashPoint, default: 0] += 1
                let previous = try deterministicOutputs(out)
                let killed = try nightly(flags, crashAt: crashPoint)
                if let error = try finishExpected() { return stop(step, error) }
                XCTAssertEqual(killed.status, 9, failure(step, "not killed by SIGKILL: \(killed.stderr)"))
                if let broken = try brokenSet(out) { return stop(step, "after the kill the outputs are a mix: \(broken)") }
                let early = crashPoint == "after-read" || crashPoint == "before-publish"
                if try deterministicOutputs(out) != (early ? previous : expected) {
                    return stop(step, early ? "the kill changed the previous outputs" : "the kill left other than the new outputs")
                }
            }
            let run = try nightly(flags)
            if let error = try finishExpected() { return stop(step, error) }
            guard run.status == 0 else { return stop(step, "the nightly run failed (\(run.status)): \(run.stderr)") }
            let stateful = try deterministicOutputs(out)
            XCTAssertFalse(expected.isEmpty, failure(step, "the ad-hoc run wrote no CSVs"))
            if stateful.keys.sorted() != expected.keys.sorted() {
                return stop(step, "outputs \(stateful.keys.sorted()) are not the ad-hoc run's \(expected.keys.sorted())")
            }
            let differing = expected.keys.sorted().filter { stateful[$0] != expected[$0] }
            if !differing.isEmpty { return stop(step, "\(differing) differ from one run over the exports the state holds") }
            if crashPoint != nil {
                let leftovers = try fm.contentsOfDirectory(atPath: folder).filter { $0.contains(".staging-") }
                XCTAssertEqual(leftovers, [], failure(step, "abandoned staging folders are cleaned up"))
            }
        }
        return true
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
