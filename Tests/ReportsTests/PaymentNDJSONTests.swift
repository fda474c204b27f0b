import Foundation
import GuestPipeCore
import Reports
import XCTest

final class PaymentNDJSONTests: XCTestCase {
    func testAPaymentIsOneValidJSONObjectWithExactAmounts() throws {
        var payment = Payment(source: SourceLocation(file: "a.csv", line: 7, record: 6))
        payment.id = "ch_1"
        payment.currency = Currency(code: "kwd")
        payment.amount = 1250
        payment.status = .succeeded
        payment.description = "quote \" backslash \\ newline \n tab \t bell \u{07}"
        payment.metadata = [("order_id", "42")]
        let line = PaymentNDJSON.line(payment)
        XCTAssertTrue(line.hasSuffix("}\n"))
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1, "one line per payment")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["amount"] as? String, "1.250")
        XCTAssertEqual(object["amount_minor"] as? Int, 1250)
        XCTAssertEqual(object["description"] as? String, payment.description)
        XCTAssertEqual((object["metadata"] as? [String: String])?["order_id"], "42")
        XCTAssertEqual((object["source"] as? [String: Any])?["line"] as? Int, 7)
        XCTAssertEqual(object["guest"] as? Bool, true)
    }

    func testRejectsCSVQuotesTheOriginalRow() {
        let rejection = Rejection(location: SourceLocation(file: "/home/me/exports/a.csv", line: 3, record: 2, column: "Amount"),
                                  reason: .badAmount, message: "the amount \"1e3\" is not a plain decimal", fields: ["ch_1", "1e3", "a, b"])
        XCTAssertEqual(RejectsCSV.row(rejection, privacy: .full), ["a.csv", "3", "2", "Amount", "bad_amount", "the amount \"1e3\" is not a plain decimal", "ch_1,1e3,\"a, b\""])
        XCTAssertEqual(CSVText.row(RejectsCSV.row(rejection, privacy: .full)),
                       "a.csv,3,2,Amount,bad_amount,\"the amount \"\"1e3\"\" is not a plain decimal\",\"ch_1,1e3,\"\"a, b\"\"\"\n")
    }

    func testRejectsCSVLeavesTheRawRowOutUnlessPrivacyIsFull() {
        let rejection = Rejection(location: SourceLocation(file: "/srv/a.csv", line: 3, record: 2, column: "Amount"),
                                  reason: .badAmount, message: "the amount \"x\" is not a plain decimal", fields: ["ch_1", "x", "ana@example.org"])
        for privacy in [PrivacyMode.masked, .pseudonymised] {
            let row = RejectsCSV.row(rejection, privacy: privacy)
            XCTAssertEqual(row, ["a.csv", "3", "2", "Amount", "bad_amount", "the amount \"x\" is not a plain decimal", ""])
        }
    }
}
