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
            "+" + String(repeating: "42", count: 8),  // preceded by +: a phone number
        ]
        for text in untouched {
            XCTAssertEqual(CardNumberRedactor.redact(text), text, text)
        }
    }

    func testACardAfterOtherDigitGroupsIsStillFound() {
        let grouped = "ref 12345 4242 4242 4242 4242"
        XCTAssertEqual(CardNumberRedactor.redact(grouped), "ref 12345 424242******4242")
    }
}
