import GuestPipeCore
import XCTest

final class MessageTextTests: XCTestCase {
    func testInputValuesInMessagesCarryNoPersonalDataAndStayOnOneLine() {
        let visa = String(repeating: "42", count: 8)
        XCTAssertEqual(MessageText.safe("Created date (UTC)"), "Created date (UTC)")
        XCTAssertEqual(MessageText.safe("ana@example.org"), "<email>")
        XCTAssertEqual(MessageText.safe("call +1 415-555-0100 now"), "call +1 <number> now")
        XCTAssertEqual(MessageText.safe("+14155550100"), "<number>")
        XCTAssertEqual(MessageText.safe(visa), "424242******4242")
        XCTAssertEqual(MessageText.safe("two\nlines"), "two\\nlines")
        XCTAssertEqual(MessageText.safe(String(repeating: "a", count: 100)).count, MessageText.maximumLength + 1)
        XCTAssertEqual(MessageText.escaped("tab\there\u{7}"), "tab\\there\\u{7}")
    }

    func testErrorsAreOneLineWhateverTheirFileNames() {
        let error = GuestPipeError(.corruptInput, "bad", fix: "fix it", at: SourceLocation(file: "two\nlines.csv", line: 3, column: "a\rb"))
        XCTAssertFalse(error.description.contains("\n"))
        XCTAssertFalse(error.description.contains("\r"))
        XCTAssertTrue(error.description.hasPrefix("two\\nlines.csv:3"), error.description)
    }
}
