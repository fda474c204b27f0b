import ArgumentParser
import GuestPipeCore
import Pipeline

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what the last run on a state changed: new, merged, split and re-anchored guests, tier rises, new disputes.",
        discussion: """
        Compares the last run with the run before it, from what the state recorded when the \
        last run finished; no export is read and no key is needed. Lists are cut at 20 lines \
        in text; --json gives every entry. Examples:
          guestpipe diff --state state/
          guestpipe diff pipelines/nightly.toml --json | jq '.changes.merged'
        Exit 0 on success (also when there is nothing to compare: the first run), 64 without a \
        state, 66 when the folder holds no state or no run has finished on it.
        """
    )

    @Argument(help: "A pipeline file naming the state (--state overrides it).")
    var pipeline: String?

    @Option(help: "State folder.")
    var state: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        try runReportingErrors {
            var overrides = SettingOverrides()
            overrides.state = state
            let settings = try RunSettings.resolve(pipeline: try pipeline.map(PipelineFile.load), overrides: overrides,
                                                   needsInputs: false, needsOutput: false)
            guard let directory = settings.stateDirectory else {
                throw GuestPipeError(.usage, "diff needs a state", fix: "pass --state DIR or a pipeline file that names one")
            }
            let last = try LastRunDiff.read(stateDirectory: directory)
            Terminal.writeStdout(json ? try last.json() : last.text)
        }
    }
}
