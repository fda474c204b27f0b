import Foundation
import GuestPipeCore
import Ingest

/// What `run`, `report` and `guest` share when they use a state: the folder's checks, the lock,
/// the guest-id key and its fingerprint, the grouping fingerprint, the inputs classified against
/// the stored exports, and where each export's payments come from (the file or its archive).
/// Without a state the session is ad hoc: the key from the usual places and every input new.
struct StateSession {
    /// What the session is for: a run (may create the state and reads new exports), a report
    /// from the state, or a look-up (neither creates nor reads exports).
    enum Purpose { case run, report, lookUp }

    let store: StateStore?
    let lock: StateLock?
    let key: IDKey
    let inputs: [InputStatus]
    let sources: [LedgerBuilder.Source]
    let warnings: [String]

    static func open(_ settings: RunSettings, for purpose: Purpose) throws -> StateSession {
        guard let directory = settings.stateDirectory else {
            guard purpose == .run else {
                throw GuestPipeError(.usage, "this command needs a state", fix: "pass --state DIR or a pipeline file that names one")
            }
            let key = try IDKey.load(file: settings.idKeyFile)
            let files = try InputFiles.expand(settings.inputs)
            return StateSession(store: nil, lock: nil, key: key,
                                inputs: files.map { InputStatus(path: $0, status: .new, stored: nil, size: nil, modified: nil, hash: nil) },
                                sources: files.map { .export($0) }, warnings: [])
        }
        let creates = purpose == .run
        try StateStore.prepare(directory: directory, create: creates)
        let lock = purpose == .lookUp ? nil : try StateLock(directory: directory, wait: settings.lockWait)
        let store = try StateStore(directory: directory, create: creates)
        let key = try IDKey.load(file: settings.idKeyFile, stateDirectory: directory)
        try checkFingerprints(store, key: key, settings: settings, purpose: purpose, directory: directory)
        let readsExports = purpose == .run && !settings.reportOnly
        let files = readsExports ? try InputFiles.expand(settings.inputs) : []
        let inputs = try InputStatus.classify(files: files, stored: try store.files(), rebuild: settings.rebuild, reportOnly: !readsExports)
        let (sources, warnings) = try plan(inputs, store: store, settings: settings, readsExports: readsExports)
        return StateSession(store: store, lock: lock, key: key, inputs: inputs, sources: sources, warnings: warnings)
    }

    /// The state was built with one key and one set of grouping settings: others are refused.
    private static func checkFingerprints(_ store: StateStore, key: IDKey, settings: RunSettings, purpose: Purpose, directory: String) throws {
        if let recorded = try store.meta("key_fingerprint"), recorded != key.fingerprint {
            throw GuestPipeError(.configuration, "this state was built with another guest-id key (fingerprint \(recorded), this key \(key.fingerprint))",
                                 fix: "use the state's key file (\(directory)/id-key unless the pipeline names one); a new key means new ids and a new state")
        }
        let regroups = purpose == .run && (settings.rebuild || settings.isWindow || settings.reportOnly)
        if !regroups, let recorded = try store.meta("grouping_fingerprint"), recorded != settings.groupingFingerprint {
            throw GuestPipeError(.configuration, "the grouping settings differ from the ones this state was built with",
                                 fix: purpose == .lookUp
                                    ? "pass the pipeline file (or the same --policy and other settings) the state was built with"
                                    : "go back to the old settings, or run once with --rebuild to regroup everything")
        }
    }

    /// Where each export's payments come from, and the warnings and refusals that follow from
    /// missing or unchanged exports.
    private static func plan(_ inputs: [InputStatus], store: StateStore, settings: RunSettings,
                             readsExports: Bool) throws -> ([LedgerBuilder.Source], [String]) {
        let missing = inputs.filter { $0.status == .missing }
        if settings.rebuild, !missing.isEmpty, !settings.forgetMissing {
            throw GuestPipeError(.noInput, "--rebuild needs every export the state holds; \(missing.count) are missing (first: \(missing[0].path))",
                                 fix: "restore them, or add --forget-missing to drop what they contributed")
        }
        let warnings = settings.forgetMissing ? [] : missing.map { "\($0.path): export missing; its payments are kept from the state" }
        let fresh = inputs.filter { $0.status == .new || $0.status == .changed }
        if readsExports, fresh.isEmpty, !settings.allowNoNew, !settings.isWindow, !settings.rebuild {
            throw GuestPipeError(.noInput, "no new or changed export since the last run (\(inputs.count) known)",
                                 fix: "nothing to do; pass --allow-no-new to rewrite the reports anyway")
        }
        var sources: [LedgerBuilder.Source] = []
        for input in inputs {
            switch input.status {
            case .new, .changed: sources.append(.export(input.path))
            case .missing where settings.forgetMissing: continue
            case .unchanged, .missing:
                guard let stored = input.stored else { continue }
                sources.append(.archived(path: input.path, day: stored.exportDay) {
                    try BatchArchive.decode(try store.archive(of: stored.path), report: stored.report)
                })
            }
        }
        return (sources, warnings)
    }

    /// Exports read in this run whose content the state holds unchanged, archived by this
    /// build (`BuildIdentity`): a rebuild may keep their stored archives. Empty when the build
    /// cannot identify itself.
    func reusableArchives() -> [String: StoredFile] {
        let build = BuildIdentity.current
        guard !build.isEmpty else { return [:] }
        var result: [String: StoredFile] = [:]
        for input in inputs where input.status == .new || input.status == .changed {
            if let stored = input.stored, stored.archivedBy == build, stored.contentHash == input.hash { result[input.path] = stored }
        }
        return result
    }

    /// Whether this run changes the state (not a window, not a report).
    func commits(_ settings: RunSettings) -> Bool { store != nil && !settings.isWindow && !settings.reportOnly }
}
