import GuestPipeCore
import GuestPipeTestSupport
import XCTest

final class CardNumberRedactorTests: XCTestCase {
    func testEveryCorpusNumberIsMaskedInEverySpelling() throws {
        let numbers = try PANCorpus.numbers()
        XCTAssertEqual(numbers.count, 40)
        for number in numbers {
            for spelling in PANCorpus.spellings(of: number) {
                let text = "note: \(spelling), thanks"
                let redacted = CardNumberRedactor.redact(text)
                XCTAssertEqual(try PANCorpus.leaks(in: redacted), [], "\(spelling) leaked")
                let masked = String(number.prefix(6)) + String(repeating: "*", count: number.count - 10) + String(number.suffix(4))
                XCTAssertEqual(redacted, "note: \(masked), thanks", spelling)
            }
        }
    }

    func testMaskKeepsFirstSixAndLastFour() {
        let visa = String(repeating: "42", count: 8)
        XCTAssertEqual(CardNumberRedactor.redact(visa), "424242******4242")
        XCTAssertEqual(CardNumberRedactor.redact("a\(visa)b"), "a424242******4242b")
    }

    func testOrdinaryNumbersAreLeftAlone() {
        let untouched = [
            "4242424242424241",          // Stripe's "incorrect number": fails Luhn
            "+14155550100", "+44 7700 900123", "(415) 555-0100",
            "order 1234567890123",       // 13 digits, no brand prefix + Luhn
            "amount 27600.00", "ord_12345678", "2024-09-20 17:40:57",
            "1234 5678 9012 3456",       // 16 digits, no brand prefix + Luhn
        ]
        for text in untouched {
            XCTAssertEqual(CardNumberRedactor.redact(text), text, text)
        }
    }

    func testACardAfterOtherDigitGroupsIsStillFound() {
        let grouped = "ref 12345 4242 4242 4242 4242"
        XCTAssertEqual(CardNumberRedactor.redact(grouped), "ref 12345 424242******4242")
    }

    /// The reproductions: card numbers behind a `+` or a `0`, grouped by dots,
    /// underscores or double spaces, 19-digit numbers, and numbers inside longer digit runs.
    func testCardNumbersInEveryEdgeFormAreMasked() {
        let visa = String(repeating: "42", count: 8)
        let cases: [(String, String)] = [
            ("+" + visa, "+424242******4242"),
            ("0" + visa, "0424242******4242"),
            ("00" + visa + "99", "00424242******424299"),
            ("4242.4242.4242.4242", "424242******4242"),
            ("4242_4242_4242_4242", "424242******4242"),
            ("4242  4242  4242  4242", "424242******4242"),
            ("4242 - 4242 - 4242 - 4242", "424242******4242"),
            ("4111 1111 1111 1111 (metadata)", "411111******1111 (metadata)"),
            ("4000000000000000006", "400000*********0006"),        // 19-digit Visa
            ("6011000990139424", "601100******9424"),
            ("note " + visa + " and " + visa, "note 424242******4242 and 424242******4242"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(CardNumberRedactor.redact(text), expected, text)
        }
    }
}
