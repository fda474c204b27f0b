import Codecs
import Foundation
import GuestPipeCore
import Grouping
import Reports

/// What the command line says about a run. A field left nil (or empty) keeps the pipeline
/// file's value, else the default: defaults, then the pipeline file, then flags. The rule
/// lives here, beside the settings, so that it is tested without the binary.
public struct SettingOverrides {
    public var state: String?
    public var policy: GroupingPolicy?
    public var phoneRegion: String?
    /// Added to the pipeline file's placeholders.
    public var placeholders: [String] = []
    public var emailProviderRules: Bool?
    public var includeTest: Bool?
    /// Hub limits (`--hub-max-cards`, `--hub-max-phones-per-email`, `--hub-max-emails-per-phone`).
    public var hubMaxCards: Int?
    public var hubMaxPhonesPerEmail: Int?
    public var hubMaxEmailsPerPhone: Int?
    public var idKeyFile: String?
    /// Both privacy settings at once; `reportPrivacy` then overrides the reports'.
    public var privacy: PrivacyMode?
    public var reportPrivacy: PrivacyMode?
    public var pseudonymKeyFile: String?
    public var lockWait: Double = 0
    /// Replace the pipeline file's inputs when not empty.
    public var inputs: [String] = []
    /// `{date}` becomes today's date.
    public var output: String?
    public var compression: OutputCompression?
    public var maxRejectRate: Double?
    public var jobs: Int?
    public var rebuild = false
    public var forgetMissing = false
    public var allowNoNew = false
    /// `--since` / `--until`, as dates (inclusive, UTC).
    public var since: Int64?
    public var until: Int64?

    public init() {}
}

extension RunSettings {
    /// The settings of a run: defaults, then the pipeline file, then the overrides. Refuses
    /// combinations that cannot run (exit 64): no inputs, no output folder, a window after its
    /// end or without its own output folder.
    public static func resolve(pipeline file: PipelineFile?, overrides o: SettingOverrides,
                               needsInputs: Bool = true, needsOutput: Bool = true) throws -> RunSettings {
        var settings = RunSettings()
        if let file { settings.apply(file) }
        if let privacy = o.privacy {
            settings.reportPrivacy = privacy
            settings.csvPrivacy = privacy
        }
        if let mode = o.reportPrivacy { settings.reportPrivacy = mode }
        if let path = o.pseudonymKeyFile { settings.pseudonymKeyFile = path }
        if let state = o.state { settings.stateDirectory = state }
        if let policy = o.policy { settings.grouping.policy = policy }
        if let region = o.phoneRegion { settings.grouping.normalization.phoneRegion = region.uppercased() }
        settings.grouping.normalization.placeholders += o.placeholders
        if let rules = o.emailProviderRules { settings.grouping.normalization.emailProviderRules = rules }
        if let includeTest = o.includeTest { settings.grouping.includeTest = includeTest }
        if let limit = o.hubMaxCards { settings.grouping.hubLimits.maxCards = limit }
        if let limit = o.hubMaxPhonesPerEmail { settings.grouping.hubLimits.maxPhonesPerEmail = limit }
        if let limit = o.hubMaxEmailsPerPhone { settings.grouping.hubLimits.maxEmailsPerPhone = limit }
        if let path = o.idKeyFile { settings.idKeyFile = path }
        settings.lockWait = o.lockWait
        if !o.inputs.isEmpty { settings.inputs = o.inputs }
        if let output = o.output { settings.outputDirectory = PipelineFile.expandOutput(output) }
        if let compression = o.compression { settings.compression = compression.compression }
        if let rate = o.maxRejectRate { settings.maxRejectRate = rate }
        if let jobs = o.jobs { settings.jobs = jobs }
        settings.rebuild = o.rebuild
        settings.forgetMissing = o.forgetMissing
        settings.allowNoNew = o.allowNoNew
        if o.since != nil || o.until != nil {
            let from = o.since ?? .min
            let to = o.until.map { $0 + 86_399 } ?? .max
            guard from <= to else { throw GuestPipeError(.usage, "--since is after --until") }
            guard o.output != nil else {
                throw GuestPipeError(.usage, "a --since/--until report needs its own --out folder", fix: "add --out DIR")
            }
            settings.grouping.window = from...to
        }
        if needsInputs, settings.inputs.isEmpty {
            throw GuestPipeError(.usage, "no inputs", fix: "name the exports with --input PATH, or give a pipeline file listing them")
        }
        guard !needsOutput || o.output != nil || file?.output != nil else {
            throw GuestPipeError(.usage, "no output folder", fix: "add --out DIR, or set output in the pipeline file")
        }
        return settings
    }

    /// The pipeline file's settings over the defaults.
    mutating func apply(_ file: PipelineFile) {
        pipelineFile = file
        inputs = file.inputs
        stateDirectory = file.state
        if let output = file.output { outputDirectory = PipelineFile.expandOutput(output) }
        if let compress = file.compress { compression = compress.compression }
        idKeyFile = file.keyFile
        if let rate = file.maxRejectRate { maxRejectRate = rate }
        if let policy = file.policy { grouping.policy = policy }
        if let region = file.phoneRegion { grouping.normalization.phoneRegion = region.uppercased() }
        if let rules = file.emailProviderRules { grouping.normalization.emailProviderRules = rules }
        if let placeholders = file.placeholders { grouping.normalization.placeholders = placeholders }
        if let includeTest = file.includeTest { grouping.includeTest = includeTest }
        if let limit = file.hubMaxCards { grouping.hubLimits.maxCards = limit }
        if let limit = file.hubMaxPhonesPerEmail { grouping.hubLimits.maxPhonesPerEmail = limit }
        if let limit = file.hubMaxEmailsPerPhone { grouping.hubLimits.maxEmailsPerPhone = limit }
        fraud = file.fraud
        if let mode = file.privacyReports { reportPrivacy = mode }
        if let mode = file.privacyCSV { csvPrivacy = mode }
    }
}
