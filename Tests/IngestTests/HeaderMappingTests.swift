import GuestPipeCore
import Ingest
import XCTest

final class HeaderMappingTests: XCTestCase {
    func testBothGenerationsAndTheWarehouseLayoutAreRecognised() throws {
        let new = try HeaderMapping(header: ["id", "Created date (UTC)", "Amount", "Currency", "Status", "Customer ID", "Card Fingerprint"], file: "a")
        XCTAssertEqual(new.profile, .dashboardNew)
        let old = try HeaderMapping(header: ["id", "Description", "Created (UTC)", "Amount", "Currency", "Status", "Customer ID", "Customer Email"], file: "b")
        XCTAssertEqual(old.profile, .dashboardOld)
        XCTAssertEqual(old.index(of: .email), 7)
        let warehouse = try HeaderMapping(header: ["id", "created", "amount", "currency", "status", "customer_id", "receipt_email", "billing_details_phone"], file: "c")
        XCTAssertEqual(warehouse.profile, .warehouse)
        XCTAssertTrue(warehouse.profile.amountsInMinorUnits)
        XCTAssertEqual(warehouse.index(of: .phone), 7)
    }

    func testNamesMatchExactlyIgnoringCaseSpacesAndByteOrderMark() throws {
        let mapping = try HeaderMapping(header: ["\u{FEFF}ID", " created date (utc) ", "AMOUNT", "currency", "Status", "Customer ID",
                                                 "Customer Email (metadata)", "order_id (metadata)"], file: "x")
        XCTAssertEqual(mapping.index(of: .id), 0)
        XCTAssertEqual(mapping.index(of: .created), 1)
        XCTAssertFalse(mapping.has(.email), "a metadata column is never the email column")
        XCTAssertEqual(mapping.metadata.map(\.key), ["Customer Email", "order_id"])
        XCTAssertTrue(mapping.warnings.contains { $0.contains("no card fingerprint, email or phone") })
    }

    func testAMissingRequiredColumnNamesItAndTheClosestHeader() {
        XCTAssertThrowsError(try HeaderMapping(header: ["id", "Created date (UTC)", "Amount", "Currency", "Status", "Customer"], file: "f.csv")) { error in
            let error = error as? GuestPipeError
            XCTAssertEqual(error?.code, .missingColumn)
            XCTAssertEqual(error?.code.exitCode, 65)
            XCTAssertTrue(error?.message.contains("\"Customer ID\"") ?? false, error?.message ?? "")
            XCTAssertTrue(error?.message.contains("closest header found is \"Customer\"") ?? false, error?.message ?? "")
        }
        XCTAssertThrowsError(try HeaderMapping(header: ["\"This is a title row\"", "", ""], file: "title.csv")) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code, .missingColumn)
        }
    }

    func testWarehouseAmountsAreIntegerMinorUnits() throws {
        let csv = "id,created,amount,amount_refunded,currency,status,refunded,customer_id,payment_intent,card_fingerprint,receipt_email,billing_details_email,billing_details_phone,outcome_risk_level,outcome_risk_score\n"
            + "ch_1,1726854057,1250,1250,usd,succeeded,true,,pi_1,fp1,r@x.com,b@x.com,+14155550100,elevated,70\n"
            + "ch_2,2024-09-20T17:40:57Z,500,0,jpy,failed,false,cus_1,pi_2,fp2,r@x.com,,,,\n"
            + "ch_3,2024-09-20T17:40:57Z,12.50,0,usd,succeeded,false,,pi_3,,,,,,\n"
        let (payments, rejections, report) = try readExport(csv)
        XCTAssertEqual(report.profile, .warehouse)
        XCTAssertEqual(payments.map(\.amount), [1250, 500])
        XCTAssertEqual(payments.map(\.status), [.refunded, .failed])
        XCTAssertEqual(payments.map(\.email), ["b@x.com", "r@x.com"], "billing_details_email first, receipt_email otherwise")
        XCTAssertEqual(payments[0].riskLevel, "elevated")
        XCTAssertEqual(payments[0].created, payments[1].created)
        XCTAssertEqual(rejections.map(\.reason), [.badAmount], "warehouse amounts are integers")
    }

    func testAnEmptyFileIsAnError() {
        XCTAssertThrowsError(try readExport("")) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code, .missingColumn)
        }
    }
}
