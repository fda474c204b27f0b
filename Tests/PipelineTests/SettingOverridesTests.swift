import Foundation
import GuestPipeCore
import GuestPipeTestSupport
import Grouping
import Pipeline
import Reports
import XCTest

/// Defaults, then the pipeline file, then flags: the precedence rule without the binary.
final class SettingOverridesTests: XCTestCase {
    func pipeline(_ text: String) throws -> PipelineFile {
        let directory = try TestPaths.temporaryDirectory("overrides")
        let path = directory.appendingPathComponent("p.toml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return try PipelineFile.load(path)
    }

    func testFlagsOverrideThePipelineFileWhichOverridesTheDefaults() throws {
        let file = try pipeline("""
            version = 1
            inputs = ["exports"]
            output = "reports"
            max_reject_rate = 0.05
            [grouping]
            policy = "dashboard"
            phone_region = "gb"
            placeholders = ["orders@shop.test"]
            [privacy]
            reports = "full"
            """)
        let fromFile = try RunSettings.resolve(pipeline: file, overrides: SettingOverrides())
        XCTAssertEqual(fromFile.grouping.policy, .dashboard)
        XCTAssertEqual(fromFile.grouping.normalization.phoneRegion, "GB")
        XCTAssertEqual(fromFile.maxRejectRate, 0.05)
        XCTAssertEqual(fromFile.reportPrivacy, .full)
        XCTAssertEqual(fromFile.csvPrivacy, .full, "the default")
        XCTAssertTrue(fromFile.inputs[0].hasSuffix("/exports"), "paths are relative to the pipeline file")

        var flags = SettingOverrides()
        flags.policy = .card
        flags.placeholders = ["n/a-shop"]
        flags.privacy = .masked
        flags.inputs = ["today.csv"]
        flags.output = "elsewhere"
        let overridden = try RunSettings.resolve(pipeline: file, overrides: flags)
        XCTAssertEqual(overridden.grouping.policy, .card)
        XCTAssertEqual(overridden.grouping.normalization.placeholders, ["orders@shop.test", "n/a-shop"], "flags add placeholders")
        XCTAssertEqual(overridden.reportPrivacy, .masked)
        XCTAssertEqual(overridden.csvPrivacy, .masked, "--privacy sets both")
        XCTAssertEqual(overridden.inputs, ["today.csv"])
        XCTAssertEqual(overridden.outputDirectory, "elsewhere")
        XCTAssertEqual(overridden.grouping.normalization.phoneRegion, "GB", "what no flag says stays the file's")
    }

    func testRunsThatCannotRunAreRefusedWithExit64() {
        var noInput = SettingOverrides()
        noInput.output = "o"
        var noOutput = SettingOverrides()
        noOutput.inputs = ["a.csv"]
        var backwards = noOutput
        backwards.output = "o"
        backwards.since = 2_000_000
        backwards.until = 1_000_000
        var windowWithoutOutput = SettingOverrides()
        windowWithoutOutput.inputs = ["a.csv"]
        windowWithoutOutput.since = 1_000_000
        for overrides in [noInput, noOutput, backwards, windowWithoutOutput] {
            XCTAssertThrowsError(try RunSettings.resolve(pipeline: nil, overrides: overrides)) { error in
                XCTAssertEqual((error as? GuestPipeError)?.code.exitCode, 64)
            }
        }
        XCTAssertNoThrow(try RunSettings.resolve(pipeline: nil, overrides: SettingOverrides(), needsInputs: false, needsOutput: false))
    }
}
