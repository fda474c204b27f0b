import Foundation
import GuestPipeCore
import Reports

extension RunDiff {
    /// The version of the JSON a state keeps a run diff in (`run_diffs.format`); a change to
    /// `RunDiff`'s fields needs a new one.
    static let storedFormat = 1
}

/// `guestpipe diff`: what the last run on a state changed relative to the run before it, read
/// from the state alone (the run diff its commit kept; no export is read, no key needed).
public struct LastRunDiff {
    public var run: StoredRun
    /// What it changed; nil when there is nothing to show, and `note` says why.
    public var diff: RunDiff?
    public var note: String?

    /// Lists longer than this are cut in the text (the JSON holds every entry).
    static let linesShown = 20

    /// Reads the last run of the state in `directory`. A folder without a state, or a state no
    /// run has finished on, is `.noInput` (exit 66), as for `guest` and `report`.
    public static func read(stateDirectory directory: String) throws -> LastRunDiff {
        try StateStore.prepare(directory: directory, create: false)
        let store = try StateStore(directory: directory, create: false)
        guard let (run, diff) = try store.lastRun() else {
            throw GuestPipeError(.noInput, "no run has finished on this state yet", fix: "run the pipeline once with this --state first",
                                 at: SourceLocation(file: directory))
        }
        var result = LastRunDiff(run: run, diff: diff)
        if diff == nil {
            result.note = run.id == 1 ? "it was the first run on this state: nothing to compare with"
                : "it was made by a guestpipe that kept no record of what a run changed; the next run keeps one"
        }
        return result
    }

    /// For a person: counts, then the first entries of each list.
    public var text: String {
        var text = "run \(run.id) (\(run.kind), finished \(run.finishedAt)): \(run.guests) guest\(run.guests == 1 ? "" : "s") from \(run.payments) payments\n"
        guard let diff else { return text + "\(note ?? "")\n" }
        text += "compared with run \(run.id - 1)\n"
        func section(_ title: String, _ lines: [String]) {
            text += "\(title)\n"
            for line in lines.prefix(LastRunDiff.linesShown) { text += "  \(line)\n" }
            if lines.count > LastRunDiff.linesShown { text += "  … and \(lines.count - LastRunDiff.linesShown) more (--json lists every one)\n" }
        }
        func guests(_ counts: (from: Int, into: Int)) -> String {
            "\(counts.from) guest\(counts.from == 1 ? "" : "s")" + (counts.from == 0 ? "" : " into \(counts.into)")
        }
        section("new guests: \(diff.newGuests.count)", diff.newGuests)
        section("merged: \(guests(diff.mergedCounts))", diff.mergeLines)
        section("split: \(guests(diff.splitCounts))", diff.splitLines)
        section("re-anchored: \(diff.reanchored.count)", diff.reanchored.map { "\($0.old) → \($0.new)" })
        if !diff.followedPayments {
            section("changed, kind unknown (the state held no record of the previous run's guests): \(diff.unknownKind.count)",
                    diff.unknownKind.map { "\($0.old) → \($0.new)" })
        }
        section("tier rose: \(diff.tierRises.count)", diff.tierRises.map { "\($0.guestID) \($0.from) → \($0.to)" })
        section("new disputes: \(diff.newDisputeCount) on \(diff.newDisputes.count) guest\(diff.newDisputes.count == 1 ? "" : "s")",
                diff.newDisputes.map { "\($0.guestID) \($0.count)" })
        return text
    }

    /// One JSON object: the run, and what it changed (`changes`, null with a `note` when there
    /// is nothing to compare).
    public func json() throws -> String {
        struct Output: Encodable {
            let run: Int64, kind: String, startedAt: String, finishedAt: String, payments: Int, guests: Int
            let comparedWithRun: Int64?, note: String?, changes: RunDiff?
            enum CodingKeys: String, CodingKey {
                case run, kind, startedAt = "started_at", finishedAt = "finished_at", payments, guests
                case comparedWithRun = "compared_with_run", note, changes
            }
            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(run, forKey: .run)
                try container.encode(kind, forKey: .kind)
                try container.encode(startedAt, forKey: .startedAt)
                try container.encode(finishedAt, forKey: .finishedAt)
                try container.encode(payments, forKey: .payments)
                try container.encode(guests, forKey: .guests)
                try container.encode(comparedWithRun, forKey: .comparedWithRun)
                try container.encode(note, forKey: .note)
                try container.encode(changes, forKey: .changes)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let output = Output(run: run.id, kind: run.kind, startedAt: run.startedAt, finishedAt: run.finishedAt, payments: run.payments,
                            guests: run.guests, comparedWithRun: diff == nil ? nil : run.id - 1, note: note, changes: diff)
        return String(decoding: try encoder.encode(output), as: UTF8.self) + "\n"
    }
}
