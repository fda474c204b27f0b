@testable import Reports
import Foundation
import XCTest

final class ReportHTMLTests: XCTestCase {
    func testAxesStopAtRoundNumbers() {
        XCTAssertEqual(ReportHTML.niceScale(50059.59).step, 20000)
        XCTAssertEqual(ReportHTML.niceScale(50059.59).top, 60000)
        XCTAssertEqual(ReportHTML.niceScale(40000).top, 40000, "a round maximum is its own top")
        XCTAssertEqual(ReportHTML.niceScale(9).step, 2.5)
        XCTAssertEqual(ReportHTML.niceScale(0.0207).step, 0.01, accuracy: 1e-12)
        XCTAssertEqual(ReportHTML.niceScale(0).top, 1)
        // The volume axis of 50,059.59 (minor units) reads 0.00 … 60,000.00, never the maximum itself.
        let svg = ReportHTML.axis(left: 70, width: 1000, height: 220, bottom: 30, maxValue: ReportHTML.niceScale(5_005_959).top) {
            ReportHTML.grouped(MinorUnitsLabel.format(Int64($0)))
        }
        for label in ["0.00", "20,000.00", "40,000.00", "60,000.00"] { XCTAssertTrue(svg.contains(">\(label)</text>"), label) }
        XCTAssertFalse(svg.contains("50,059.59"))
    }

    func testMoneyHasThousandsSeparatorsAndKeepsItsDecimals() {
        XCTAssertEqual(ReportHTML.grouped("1234567.891"), "1,234,567.891")
        XCTAssertEqual(ReportHTML.grouped("-1000.50"), "-1,000.50")
        XCTAssertEqual(ReportHTML.grouped("999.99"), "999.99")
        XCTAssertEqual(ReportHTML.grouped("1500000"), "1,500,000", "zero-decimal currencies")
        XCTAssertEqual(ReportHTML.grouped("n/a"), "n/a")
    }
}

/// Minor units with two decimals, as the volume axis labels a two-decimal currency.
enum MinorUnitsLabel {
    static func format(_ minor: Int64) -> String { String(format: "%d.%02d", minor / 100, minor % 100) }
}
