import GuestPipeCore
import XCTest

final class UTCTimeTests: XCTestCase {
    func testEveryExportTimeFormIsReadAsUTC() {
        let expected: Int64 = 1_726_854_057  // 2024-09-20 17:40:57 UTC
        XCTAssertEqual(UTCTime.parse("2024-09-20 17:40:57"), expected)
        XCTAssertEqual(UTCTime.parse("2024-09-20T17:40:57Z"), expected)
        XCTAssertEqual(UTCTime.parse("2024-09-20T19:40:57+02:00"), expected)
        XCTAssertEqual(UTCTime.parse("2024-09-20T12:40:57-0500"), expected)
        XCTAssertEqual(UTCTime.parse("2024-09-20 17:40:57.123+00"), expected)
        XCTAssertEqual(UTCTime.parse("1726854057"), expected)
        XCTAssertEqual(UTCTime.parse("2024-09-20 17:40"), expected - 57)
        XCTAssertEqual(UTCTime.parse("9/20/2024 17:40"), expected - 57)
        XCTAssertEqual(UTCTime.parse("12/31/2022 23:59"), UTCTime.parse("2022-12-31 23:59:00"))
    }

    func testImpossibleTimesAreRefused() {
        for text in ["", "yesterday", "2024-02-30 10:00:00", "2024-13-01 10:00", "2024-09-20 25:00:00",
                     "2024-09-20 17:4", "20/9/2024 17:40", "2024-09-20 17:40:57 PST", "2024-09-20X17:40"] {
            XCTAssertNil(UTCTime.parse(text), text)
        }
        XCTAssertNotNil(UTCTime.parse("2024-02-29 10:00:00"), "leap day")
        XCTAssertNil(UTCTime.parse("2023-02-29 10:00:00"))
    }

    func testFormattingRoundTrips() {
        for seconds: Int64 in [0, 951_782_400, 1_726_854_057, 4_102_444_799] {
            XCTAssertEqual(UTCTime.parse(UTCTime.format(seconds)), seconds)
            XCTAssertEqual(UTCTime.parse(UTCTime.formatISO(seconds)), seconds)
        }
        XCTAssertEqual(UTCTime.format(1_726_854_057), "2024-09-20 17:40:57")
        XCTAssertEqual(UTCTime.formatMinutes(1_726_854_057), "2024-09-20 17:40")
        XCTAssertEqual(UTCTime.formatDate(1_726_854_057), "2024-09-20")
    }
}
