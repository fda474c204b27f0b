import CPhoneDifferential
import CPhoneNumber
import XCTest

/// The phone fast path (CPhoneNumber/phone_fast_path.cpp) must give exactly libphonenumber's
/// Parse + IsPossibleNumber + E.164 result. Benchmarks/phones.sh runs the same comparison over ten
/// million numbers; this is the CI-sized sample.
final class PhoneFastPathTests: XCTestCase {
    /// Random numbers over every shape the fast path accepts and the near misses it must leave to
    /// Parse, plus libphonenumber's example number of every region and type in several formats,
    /// each with every test region: no result may differ.
    func testFastPathGivesLibphonenumbersResults() {
        var report = gp_phone_differential_report()
        gp_phone_differential(20_240_612, 200_000, 0, &report)
        let firstDifferences = withUnsafeBytes(of: report.first_differences) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        XCTAssertEqual(report.differences, 0, firstDifferences)
        XCTAssertEqual(report.generated, 200_000)
        XCTAssertGreaterThan(report.examples, 100_000, "every region's example numbers, in every format")
        // The generator is weighted towards the shapes the fast path exists for; a drop here means
        // the fast path declines numbers it used to decide.
        XCTAssertGreaterThan(Double(report.generated_fast) / Double(report.generated), 0.6)
        XCTAssertGreaterThan(Double(report.examples_fast) / Double(report.examples), 0.5)
    }

    /// Which spellings the fast path decides, and that those give Parse's result.
    func testTheCommonShapesAreDecidedAndPrefixesAreLeftToParse() {
        let decided: [(text: String, region: String, e164: String?)] = [
            ("+1 415-555-0100", "US", "+14155550100"),
            ("(415) 555-0100", "US", "+14155550100"),
            ("415.555.0100", "US", "+14155550100"),
            ("1 415 555 0100", "US", "+14155550100"),
            (" +44 7700 900123\t", "US", "+447700900123"),
            ("+39 06 1234 5678", "US", "+390612345678"),  // Italian leading zero kept
            ("4155550100", "GB", "+444155550100"),  // national digits in the default region
            ("+1 415 555 01", "US", nil),  // too short: not possible
            ("07700 900123", "US", nil),  // a UK mobile read in the US: 0 is no US prefix
            ("06 1234 5678", "IT", "+390612345678"),  // Italy has no national prefix
        ]
        for (text, region, e164) in decided {
            let fast = normalize(text, region, gp_phone_normalize_fast)
            XCTAssertEqual(fast, normalize(text, region, gp_phone_normalize_full), text)
            XCTAssertEqual(fast.e164, e164, text)
        }
        let undecided: [(text: String, region: String)] = [
            ("020 7946 0000", "GB"),  // national prefix 0
            ("+44 (0)20 7946 0000", "US"),  // national prefix after the calling code
            ("011 44 20 7946 0000", "US"),  // international prefix
            ("1800 555 010", "US"),  // starts with the calling code, not too long for the US: by pattern
            ("415 555 0100 ext. 12", "US"),
            ("415/555-0100", "US"),
            ("+0 415 555 0100", "US"),
            ("4155550100", "us"),  // region codes are upper case
            ("12", "US"),
        ]
        for (text, region) in undecided {
            XCTAssertEqual(normalize(text, region, gp_phone_normalize_fast).code, Int32(GP_PHONE_UNDECIDED.rawValue), text)
        }
    }

    private struct Result: Equatable {
        var code: Int32
        var e164: String?
        var national: String?
    }

    private typealias Normalize = (UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int,
                                   UnsafeMutablePointer<CChar>?, Int) -> Int32

    private func normalize(_ text: String, _ region: String, _ function: Normalize) -> Result {
        var e164 = [CChar](repeating: 0, count: 64)
        var national = [CChar](repeating: 0, count: 64)
        let code = text.withCString { function($0, strlen($0), region, &e164, e164.count, &national, national.count) }
        guard code == Int32(GP_PHONE_OK.rawValue) else { return Result(code: code) }
        return Result(code: code, e164: string(e164), national: string(national))
    }

    private func string(_ terminated: [CChar]) -> String {
        String(decoding: terminated.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
