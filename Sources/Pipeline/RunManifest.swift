import Codecs
import Foundation
import GuestPipeCore
import Reports

/// `manifest.json`: what went into a run and what came out, with hashes, so a published set can
/// be audited and reproduced.
struct RunManifest {
    let settings: RunSettings
    let inputs: [InputStatus]
    let built: LedgerBuilder.Built
    let summary: RunSummary
    let guests: Int
    let idChanges: Int
    let started: Date
    let timings: [(String, Double)]

    /// Writes `manifest.json` into the staging folder, after every other output.
    func write(into directory: String) throws {
        try OutputRegistry.writeManifest(facts(), stateful: settings.stateDirectory != nil, policy: settings.grouping.policy, compression: settings.compression, to: directory)
    }

    /// What went into the run, in the manifest's key order (the outputs and timings follow).
    func facts() -> [(String, String)] {
        let q = JSONText.quote
        let inputsJSON = inputs.sorted { $0.path < $1.path }.map { input in
            JSONText.object([("path", q(input.path)), ("status", q(input.status.rawValue)), ("bytes", input.size.map { String($0) } ?? "null"),
                             ("sha256", input.hash.map(q) ?? "null")])
        }
        let counts = summary.counts
        return [
            ("tool", q("guestpipe")),
            ("version", q(ToolVersion.current)),
            ("started_at", q(UTCTime.formatISO(Int64(started.timeIntervalSince1970)))),
            ("finished_at", q(UTCTime.formatISO(Int64(Date().timeIntervalSince1970)))),
            ("pipeline", settings.pipelineFile.map { JSONText.object([("path", q($0.path)), ("sha256", q($0.sha256))]) } ?? "null"),
            ("state", settings.stateDirectory.map(q) ?? "null"),
            ("mode", q(settings.reportOnly ? "report" : settings.isWindow ? "window" : settings.rebuild ? "rebuild" : settings.stateDirectory == nil ? "ad-hoc" : "incremental")),
            ("grouping_fingerprint", q(settings.groupingFingerprint)),
            ("inputs", "[" + inputsJSON.joined(separator: ",") + "]"),
            ("counts", JSONText.object([("rows", String(built.reports.reduce(0) { $0 + $1.rows })), ("payments", String(built.ledger.entries.count)),
                                        ("rejects", String(built.rejectCount)), ("guests", String(guests)),
                                        ("guest_payments", String(counts.guestPayments)), ("unmatched", String(counts.unmatched)),
                                        ("id_changes", String(idChanges))])),
            ("timings_seconds", JSONText.object(timings.map { ($0.0, String(format: "%.3f", $0.1)) })),
        ]
    }
}

/// The tool's version, shown by `--version` and recorded in manifests.
public enum ToolVersion {
    public static let current = "0.2.0"
}
