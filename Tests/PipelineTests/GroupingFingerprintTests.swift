import Foundation
import GuestPipeCore
import GuestPipeTestSupport
import Grouping
@testable import Pipeline
import XCTest

/// A state records the grouping fingerprint it was built with; a run with another one is
/// refused until `--rebuild`. The policy's part now comes from the policy's own type, and the
/// text must not change for the settings that existed before (the values below were recorded
/// in manifests by the build before the policy seam).
final class GroupingFingerprintTests: XCTestCase {
    func settings(_ policy: GroupingPolicy, region: String = "US", providerRules: Bool = false,
                  placeholders: [String] = [], includeTest: Bool = false) -> RunSettings {
        var settings = RunSettings()
        settings.grouping.policy = policy
        settings.grouping.normalization.phoneRegion = region
        settings.grouping.normalization.emailProviderRules = providerRules
        settings.grouping.normalization.placeholders = placeholders
        settings.grouping.includeTest = includeTest
        return settings
    }

    func testTheFingerprintOfEverySettingThatExistedBeforeThePolicySeamIsUnchanged() {
        XCTAssertEqual(settings(.card).groupingFingerprint, "3b85f94353fe6fc7")
        XCTAssertEqual(settings(.dashboard).groupingFingerprint, "fc0c2d17ae596bcb")
        XCTAssertEqual(settings(.dashboard, region: "GB", providerRules: true, placeholders: ["n/a", "ZZZ"], includeTest: true)
            .groupingFingerprint, "1e956ed11b2309f3")
        XCTAssertEqual(settings(.card, region: "DE", placeholders: ["Unknown-Value"]).groupingFingerprint, "3e3d14f4b1f61318")
    }

    func testAPipelineFileNamesEveryPolicyWhenItsPolicyIsUnknown() throws {
        let directory = try TestPaths.temporaryDirectory("policy-names")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.toml").path
        try "version = 1\ninputs = [\"x\"]\n[grouping]\npolicy = \"clustered\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineFile.load(file)) { error in
            let message = (error as? GuestPipeError)?.message ?? ""
            XCTAssertTrue(message.contains("line 4: grouping.policy is \"card\", \"dashboard\" or \"linked\""), message)
        }
    }
}
