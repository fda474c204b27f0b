import Reports
import XCTest

final class PrivacyTests: XCTestCase {
    func testMaskedAndPseudonymisedForms() {
        let masked = PrivacyFormatter(mode: .masked)
        XCTAssertEqual(masked.email("jane@example.com"), "j***@example.com")
        XCTAssertEqual(masked.phone("+12015550100"), "+1 ***-***-0100")
        XCTAssertEqual(masked.phone("+447700900123"), "+44 ***-***-0123")
        let full = PrivacyFormatter(mode: .full)
        XCTAssertEqual(full.email("jane@example.com"), "jane@example.com")
        let a = PrivacyFormatter(mode: .pseudonymised, pseudonymKey: Array("key-a-0123456789".utf8))
        let b = PrivacyFormatter(mode: .pseudonymised, pseudonymKey: Array("key-b-0123456789".utf8))
        XCTAssertEqual(a.email("jane@example.com"), a.email("jane@example.com"), "stable for one key")
        XCTAssertNotEqual(a.email("jane@example.com"), b.email("jane@example.com"), "keyed")
        XCTAssertFalse(a.email("jane@example.com").contains("jane"))
        XCTAssertTrue(a.phone("+12015550100").hasPrefix("phone_"))
    }
}
