import Foundation
import Grouping
import GuestPipeTestSupport
import Pipeline
import SampleData
import XCTest

/// The law of the state (GUESTS.md, Determinism): whatever sequence of nightly events built it,
/// a stateful run writes the same bytes as one ad-hoc run over the exports the state holds.
/// Random sequences of events on a small generated history, for every policy: the next day,
/// a late day, a re-exported (changed) day, a missing export, its return, `--rebuild`, and
/// `--rebuild --forget-missing`.
final class HistoryPropertyTests: XCTestCase {
    var directory: URL!
    var keyFile: String!

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("history")
        keyFile = directory.appendingPathComponent("key").path
        try "history-test-key-0123456789".write(toFile: keyFile, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Every output whose bytes the inputs fix, as far as the run wrote it.
    func deterministicOutputs(_ folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".csv") && name != "id_changes.csv" {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return result
    }

    func testRandomSequencesOfNightlyEventsEqualOneRunOverWhatTheStateHolds() throws {
        var options = SampleOptions()
        options.payments = 600
        options.days = 30
        options.seed = 21
        options.compression = .none
        let all = path("all")
        try FileManager.default.createDirectory(atPath: all, withIntermediateDirectories: true)
        let exports = try SampleGenerator(options: options).write(to: all)
        let fm = FileManager.default
        var events: [String: Int] = [:]
        for policy in GroupingPolicy.allCases {
            for seed in [UInt64(1), 2, 3] {
                var random = SplitMix(state: seed &* 7919 &+ UInt64(policy.rawValue.count))
                let run = "\(policy)-\(seed)"
                let inbox = path("inbox-" + run), shadow = path("shadow-" + run), state = path("state-" + run)
                try fm.createDirectory(atPath: inbox, withIntermediateDirectories: true)
                try fm.createDirectory(atPath: shadow, withIntermediateDirectories: true)
                var pending = exports
                var missing: [String] = []  // names held by the state but gone from the inbox
                func deliver(_ export: String) throws {
                    let name = (export as NSString).lastPathComponent
                    try fm.copyItem(atPath: export, toPath: inbox + "/" + name)
                    try fm.copyItem(atPath: export, toPath: shadow + "/" + name)
                }
                try deliver(pending.removeFirst())
                for step in 0..<20 {
                    var settings = RunSettings()
                    settings.inputs = [inbox]
                    settings.outputDirectory = path("out-" + run)
                    settings.stateDirectory = state
                    settings.idKeyFile = keyFile
                    settings.grouping.policy = policy
                    settings.grouping.hubLimits.maxCards = 4  // small history: let hubs occur
                    settings.allowNoNew = true
                    let delivered = try fm.contentsOfDirectory(atPath: inbox).sorted()
                    let event: String
                    let roll = random.next(9)
                    switch roll {
                    case _ where roll <= 2 && !pending.isEmpty:
                        event = "next day"
                        try deliver(pending.removeFirst())
                    case 3 where pending.count > 2:
                        event = "late day"
                        try deliver(pending.remove(at: 1 + random.next(pending.count - 1)))
                    case 4 where !delivered.isEmpty:
                        event = "re-exported day"
                        let name = delivered[random.next(delivered.count)]
                        var lines = try String(contentsOfFile: inbox + "/" + name, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                        if lines.count > 3 { lines.remove(at: 1 + random.next(lines.count - 3)) }
                        let changed = lines.joined(separator: "\n")
                        try changed.write(toFile: inbox + "/" + name, atomically: true, encoding: .utf8)
                        try changed.write(toFile: shadow + "/" + name, atomically: true, encoding: .utf8)
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
                        settings.rebuild = true
                        settings.forgetMissing = true
                        for name in missing { try fm.removeItem(atPath: shadow + "/" + name) }
                        missing = []
                    case 8 where missing.isEmpty:
                        event = "rebuild"
                        settings.rebuild = true
                    default:
                        event = "nothing new"
                    }
                    events[event, default: 0] += 1
                    _ = try GuestRun.execute(settings)
                    var adHoc = settings
                    adHoc.inputs = [shadow]
                    adHoc.stateDirectory = nil
                    adHoc.rebuild = false
                    adHoc.forgetMissing = false
                    adHoc.outputDirectory = path("adhoc-" + run)
                    _ = try GuestRun.execute(adHoc)
                    let stateful = try deterministicOutputs(settings.outputDirectory)
                    let once = try deterministicOutputs(adHoc.outputDirectory)
                    XCTAssertEqual(stateful.keys.sorted(), once.keys.sorted(), "\(run) step \(step) (\(event))")
                    for (name, bytes) in once where stateful[name] != bytes {
                        XCTFail("\(run) step \(step) after \(event): \(name) differs from one run over the same exports")
                    }
                }
            }
        }
        for event in ["next day", "late day", "re-exported day", "missing export", "missing export back", "rebuild, forgetting the missing"] {
            XCTAssertGreaterThan(events[event] ?? 0, 0, "the random sequences never had a \(event)")
        }
    }
}
