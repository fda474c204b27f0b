import GuestPipeCore
import XCTest

final class MoneyTests: XCTestCase {
    func testDecimalAmountsFollowTheCurrencyExponent() {
        let cases: [(String, Int, Int64?)] = [
            ("12.50", 2, 1250), ("12.5", 2, 1250), ("7", 2, 700), ("0.00", 2, 0), ("27600.00", 2, 2_760_000),
            ("500", 0, 500), ("1.250", 3, 1250), ("1.2", 3, 1200), (" 9.99 ", 2, 999),
            ("12,50", 2, nil), ("1,234.00", 2, nil), ("1e3", 2, nil), ("abc", 2, nil), ("-5.00", 2, nil),
            ("12.345", 2, nil), (".5", 2, nil), ("12.", 2, nil), ("", 2, nil),
            ("1234567890123456", 2, nil),
            // Surplus decimals are exact when they are all zeros (spreadsheets write `1500.00` yen).
            ("500.00", 0, 500), ("0.00", 0, 0), ("1500.000", 0, 1500), ("12.500", 2, 1250), ("1.2500", 3, 1250),
            ("500.01", 0, nil), ("500.10", 0, nil), ("12.501", 2, nil), ("500.0x", 0, nil), ("500.", 0, nil),
        ]
        for (text, exponent, expected) in cases {
            let result = try? MinorUnits.parseDecimal(text, exponent: exponent).get()
            XCTAssertEqual(result, expected, "\(text) with \(exponent) decimals")
        }
    }

    func testFormattingIsExactAndRoundTrips() {
        XCTAssertEqual(MinorUnits.format(1250, exponent: 2), "12.50")
        XCTAssertEqual(MinorUnits.format(5, exponent: 2), "0.05")
        XCTAssertEqual(MinorUnits.format(-1250, exponent: 2), "-12.50")
        XCTAssertEqual(MinorUnits.format(500, exponent: 0), "500")
        XCTAssertEqual(MinorUnits.format(5, exponent: 3), "0.005")
        for value: Int64 in [0, 1, 99, 100, 123_456_789] {
            for exponent in [0, 2, 3] {
                XCTAssertEqual(try MinorUnits.parseDecimal(MinorUnits.format(value, exponent: exponent), exponent: exponent).get(), value)
            }
        }
    }

    func testCurrenciesAreCaseInsensitiveWithStripeExponents() {
        XCTAssertEqual(Currency(code: "USD")?.code, "usd")
        XCTAssertEqual(Currency(code: " eur ")?.exponent, 2)
        XCTAssertEqual(Currency(code: "jpy")?.exponent, 0)
        XCTAssertEqual(Currency(code: "KWD")?.exponent, 3)
        XCTAssertEqual(Currency(code: "isk")?.exponent, 2, "Stripe writes isk with two decimals")
        XCTAssertEqual(Currency(code: "huf")?.exponent, 2)
        XCTAssertNil(Currency(code: "xyz"))
        XCTAssertNil(Currency(code: ""))
        XCTAssertNil(Currency(code: "usdollar"))
    }

    func testCurrencyCodesAreReadFromBytesWithoutAllocation() {
        func read(_ text: String) -> Currency? {
            var copy = text
            return copy.withUTF8 { Currency.from(bytes: UnsafeRawBufferPointer($0)) }
        }
        XCTAssertEqual(read("USD"), Currency(code: "usd"))
        XCTAssertEqual(read(" jpy "), Currency(code: "jpy"))
        XCTAssertEqual(read("KwD")?.exponent, 3)
        for bad in ["", "us", "usdx", "xyz", "u$d", "12a"] { XCTAssertNil(read(bad), bad) }
        for currency in Currency.all { XCTAssertEqual(read(currency.code.uppercased()), currency) }
    }
}
