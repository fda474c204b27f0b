import GuestPipeCore
import XCTest

final class MonthTests: XCTestCase {
    func testMonthsCompareByYearThenMonthAndPrintAsYYYYMM() {
        let march = Month(year: 2026, month: 3), april = Month(year: 2026, month: 4)
        XCTAssertLessThan(march, april)
        XCTAssertLessThan(Month(year: 2025, month: 12), march)
        XCTAssertEqual(april.description, "2026-04")
        XCTAssertEqual(Month(year: 987, month: 1).description, "0987-01")
        XCTAssertEqual(Month("2026-04"), april)
        for text in ["2026-4", "2026-13", "2026-00", "26-04", "2026/04", ""] { XCTAssertNil(Month(text), text) }
    }

    func testMonthsOfTimesAndTheirNeighbours() {
        XCTAssertEqual(Month(containing: UTCTime.parse("2026-03-31 23:59:59")!), Month(year: 2026, month: 3))
        XCTAssertEqual(Month(containing: UTCTime.parse("2026-04-01 00:00:00")!), Month(year: 2026, month: 4))
        XCTAssertEqual(Month(year: 2026, month: 1).previous, Month(year: 2025, month: 12))
        XCTAssertEqual(Month(year: 2025, month: 12).next, Month(year: 2026, month: 1))
        XCTAssertEqual(Month(year: 2026, month: 5).previous.next, Month(year: 2026, month: 5))
    }
}
