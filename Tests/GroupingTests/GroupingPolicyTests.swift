import Grouping
import XCTest

/// The policy seam: each `GroupingPolicy` is implemented by a rule over the shared prelude.
final class GroupingPolicyTests: XCTestCase {
    func testEveryPolicyHasARuleWhoseFingerprintIsItsNameUnderTodaysSettings() {
        for policy in GroupingPolicy.allCases {
            var settings = GroupingSettings()
            settings.policy = policy
            XCTAssertEqual(settings.policyFingerprint, policy.rawValue, "states built before the seam must keep working")
        }
    }

    func testReasonsForNoIdentifierAreDistinctAndCostWhatAnInt32Costs() {
        let reasons: [IdentifierID] = [.absent, .placeholder, .invalid]
        XCTAssertEqual(Set(reasons).count, 3)
        XCTAssertFalse(reasons.contains { $0.isIdentifier })
        XCTAssertEqual(MemoryLayout<IdentifierID>.stride, MemoryLayout<Int32>.stride)
    }

    /// 40,000 payments: the per-payment pass runs in several slices, whose counts must add up.
    func testThePreludeCountsWhatItIgnoredAcrossSlices() throws {
        let rows = (0..<40_000).map { index -> Row in
            switch index % 5 {
            case 0: return Row(id: "c\(index)", minute: index, card: "fp\(index / 5 % 300)", email: "test@example.com")
            case 1: return Row(id: "e\(index)", minute: index, email: "u\(index / 5 % 200)@shop.io", phone: "000-000-0000")
            case 2: return Row(id: "i\(index)", minute: index, phone: "020 7946 0000")
            case 3: return Row(id: "p\(index)", minute: index, phone: "+1 415 555 \(1000 + index / 5 % 100)")
            default: return Row(id: "n\(index)", minute: index)
            }
        }
        for policy in GroupingPolicy.allCases {
            let (_, result) = try group([rows], policy: policy)
            let stats = result.stats
            XCTAssertEqual(stats.paymentsWith, [.card: 8000, .email: 8000, .phone: 8000], "\(policy)")
            XCTAssertEqual(stats.placeholderPayments, [.email: 8000, .phone: 8000], "\(policy)")
            XCTAssertEqual(stats.placeholderValues, [.email: ["test@example.com": 8000], .phone: ["000-000-0000": 8000]], "\(policy)")
            XCTAssertEqual(stats.invalidPhonePayments, 8000, "\(policy)")
            XCTAssertEqual(result.roles.filter { $0 == .unmatched }.count, 16_000, "\(policy)")
            XCTAssertEqual(result.guests.count, 300 + 200 + 100, "\(policy)")
            XCTAssertEqual(result.guests.reduce(0) { $0 + $1.payments.count }, 24_000, "\(policy)")
        }
    }
}
