import Foundation
import FraudReview
import GuestPipeCore
import GuestPipeTestSupport
import XCTest

final class FraudThresholdsTests: XCTestCase {
    func testEverySettingHasItsOwnNameAndSetsItsOwnValue() throws {
        let names = FraudThresholds.settings.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "names are unique")
        // Each setting set alone to a value no default has changes exactly one setting.
        let defaults = FraudThresholds()
        for setting in FraudThresholds.settings {
            let changed = try FraudThresholds(validating: [setting.name: 777])
            let differing = FraudThresholds.settings.filter { other in value(other, changed) != value(other, defaults) }.map(\.name)
            XCTAssertEqual(differing, [setting.name])
            XCTAssertEqual(value(setting, changed), 777)
        }
    }

    func testUnknownNamesAndFractionalPointsAreErrorsNotIgnored() {
        XCTAssertThrowsError(try FraudThresholds(validating: ["bogus_key": 1])) { error in
            let error = error as? GuestPipeError
            XCTAssertEqual(error?.code.exitCode, 78)
            XCTAssertTrue(error?.message.contains("\"bogus_key\"") ?? false)
            for name in FraudThresholds.settings.map(\.name) { XCTAssertTrue(error?.message.contains(name) ?? false, name) }
        }
        XCTAssertThrowsError(try FraudThresholds(validating: ["disputes_points": 2.5]))
        XCTAssertThrowsError(try FraudThresholds(validating: ["disputes_points": -1]))
        XCTAssertThrowsError(try FraudThresholds(validating: ["disputes_points": 1e30]))
        XCTAssertEqual(try FraudThresholds(validating: ["dispute_rate": 0.25]).disputeRate, 0.25)
    }

    func testTheReadmeListsEverySettingWithItsDefault() throws {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for setting in FraudThresholds.settings {
            XCTAssertTrue(readme.contains("| `\(setting.name)` | \(setting.defaultText) |"), "README: \(setting.name) = \(setting.defaultText)")
        }
    }

    private func value(_ setting: FraudThresholds.Setting, _ thresholds: FraudThresholds) -> Double {
        switch setting.value {
        case .number(let path): return thresholds[keyPath: path]
        case .integer(let path): return Double(thresholds[keyPath: path])
        }
    }
}
