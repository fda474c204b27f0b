import Codecs
import GuestPipeCore
import GuestPipeTestSupport
import Ingest
import XCTest

/// Reads CSV text as an export through the whole reader (decompression, libcsv, mapping, decoding).
func readExport(_ text: String, name: String = "export.csv", chunkSizes: [Int] = [],
                chunkSize: Int = 1 << 20) throws -> (payments: [Payment], rejections: [Rejection], report: FileReport) {
    var payments: [Payment] = []
    var rejections: [Rejection] = []
    let report = try PaymentFileReader.read(source: MemoryByteSource(Array(text.utf8), chunkSizes: chunkSizes), name: name,
                                            chunkSize: chunkSize,
                                            onPayment: { payments.append($0) }, onRejection: { rejections.append($0) })
    return (payments, rejections, report)
}

final class PaymentDecodingTests: XCTestCase {
    let newHeader = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Customer Phone,Card Fingerprint,Card Last4,Card Brand,Disputed Amount,Dispute Status,Dispute Reason,Dispute Date (UTC),PaymentIntent ID,Description,Mode\n"

    func testNewGenerationRowDecodesEveryField() throws {
        let csv = newHeader + "ch_1,2024-09-20 17:40:57,12.50,2.50,USD,Paid,, Ana@Example.org ,+14155550100,fpAAAA,4242,Visa,12.50,lost,fraudulent,2024-10-01 10:00:00,pi_1,\"Order, \"\"big\"\"\",Live\n"
        let (payments, rejections, report) = try readExport(csv)
        XCTAssertEqual(rejections.count, 0)
        XCTAssertEqual(report.profile, .dashboardNew)
        let p = try XCTUnwrap(payments.first)
        XCTAssertEqual(p.id, "ch_1")
        XCTAssertEqual(p.created, UTCTime.parse("2024-09-20 17:40:57"))
        XCTAssertEqual(p.amount, 1250)
        XCTAssertEqual(p.amountRefunded, 250)
        XCTAssertEqual(p.currency?.code, "usd")
        XCTAssertEqual(p.status, .succeeded)
        XCTAssertTrue(p.isGuest)
        XCTAssertEqual(p.email, "Ana@Example.org", "trimmed; lower-casing is grouping's job")
        XCTAssertEqual(p.phone, "+14155550100")
        XCTAssertEqual(p.cardFingerprint, "fpAAAA")
        XCTAssertEqual(p.disputedAmount, 1250)
        XCTAssertTrue(p.isDispute)
        XCTAssertEqual(p.disputeDate, UTCTime.parse("2024-10-01 10:00:00"))
        XCTAssertEqual(p.description, "Order, \"big\"")
        XCTAssertEqual(p.mode, .live)
        XCTAssertEqual(p.source.line, 2)
        XCTAssertEqual(p.source.record, 1)
    }

    func testStatusesMapToTheContractsStates() throws {
        let rows = [("ch_1", "Paid", PaymentStatus.succeeded), ("ch_2", "Refunded", .refunded), ("ch_3", "Failed", .failed),
                    ("py_4", "Pending", .pending), ("ch_5", "requires_payment_method", .incomplete), ("ch_6", "canceled", .incomplete)]
        var csv = newHeader
        for (id, status, _) in rows { csv += "\(id),2024-09-20 17:40:57,1.00,0.00,usd,\(status),,,,,,,,,,,pi_\(id),,Live\n" }
        csv += ",2024-09-20 17:40:57,,,usd,requires_action,,,,,,,,,,,pi_only,,Live\n"
        let (payments, rejections, report) = try readExport(csv)
        XCTAssertEqual(rejections.map(\.message), [])
        XCTAssertEqual(payments.map(\.status), rows.map(\.2) + [.incomplete])
        XCTAssertEqual(payments.last?.key, "pi_only", "an empty id is identified by its PaymentIntent ID")
        XCTAssertFalse(payments.last!.isGuest, "incomplete rows are never guest payments")
        XCTAssertEqual(report.incomplete, 3)
        XCTAssertTrue(payments[1].status.isSucceeded)
    }

    func testZeroAndThreeDecimalCurrencies() throws {
        let csv = newHeader + "ch_1,2024-09-20 17:40:57,500,0,JPY,Paid,,,,,,,,,,,,,\nch_2,2024-09-20 17:40:57,1.250,0.5,kwd,Paid,,,,,,,,,,,,,\n"
        let (payments, rejections, _) = try readExport(csv)
        XCTAssertEqual(rejections.count, 0)
        XCTAssertEqual(payments.map(\.amount), [500, 1250])
        XCTAssertEqual(payments.map(\.amountRefunded), [0, 500])
    }

    func testBadRowsAreRejectedWithWhereAndWhyAndTheRunGoesOn() throws {
        let csv = newHeader
            + "ch_1,2024-09-20 17:40:57,12,50,0,usd,Paid,,,,,,,,,,,,,\n"        // line 2: "12,50" makes one field too many
            + "ch_2,2024-09-20 17:40:57,1e3,0,usd,Paid,,,,,,,,,,,,,\n"          // line 3: amount
            + "ch_3,yesterday,1.00,0,usd,Paid,,,,,,,,,,,,,\n"                   // line 4: time
            + "ch_4,2024-09-20 17:40:57,1.00,0,xyz,Paid,,,,,,,,,,,,,\n"         // line 5: currency
            + ",2024-09-20 17:40:57,1.00,0,usd,Paid,,,,,,,,,,,,,\n"             // line 6: no id at all: incomplete, not rejected
            + "ch_6,2024-09-20 17:40:57,1.005,0,usd,Paid,,,,,,,,,,,,,\n"        // line 7: too many decimals
            + "ch_7,2024-09-20 17:40:57,1.00,0,usd,Exploded,,,,,,,,,,,,,\n"     // line 8: status
            + "ch_8,2024-09-20 17:40:57,1.00,0,usd,Paid,,,,,,,,,,,,,\n"         // line 9: fine
        let (payments, rejections, report) = try readExport(csv)
        XCTAssertEqual(payments.map(\.id), ["", "ch_8"])
        XCTAssertEqual(payments.first?.status, .incomplete)
        XCTAssertEqual(rejections.map(\.reason), [.fieldCount, .badAmount, .badTime, .badCurrency, .badAmount, .badStatus])
        XCTAssertEqual(rejections.map(\.location.line), [2, 3, 4, 5, 7, 8])
        XCTAssertEqual(rejections.map(\.location.record), [1, 2, 3, 4, 6, 7])
        XCTAssertEqual(rejections.map { $0.location.column ?? "" }, ["", "Amount", "Created date (UTC)", "Currency", "Amount", "Status"])
        XCTAssertEqual(report.rows, 8)
        XCTAssertEqual(report.rejects, 6)
    }

    func testCardNumbersAreMaskedInEveryFieldAndInRejects() throws {
        let numbers = try PANCorpus.numbers()
        var csv = newHeader
        for (index, number) in numbers.enumerated() {
            let spelling = PANCorpus.spellings(of: number)[index % 3]
            csv += "ch_\(index),2024-09-20 17:40:57,1.00,0,usd,Paid,,\(spelling)@x.com,\(spelling),,,,,,,,,my card \(spelling),Live\n"
        }
        csv += "ch_bad,2024-09-20 17:40:57,\(numbers[0]),0,usd,Paid,,,,,,,,,,,,note \(numbers[1]),Live\n"
        let (payments, rejections, _) = try readExport(csv)
        XCTAssertEqual(payments.count, numbers.count)
        let everything = payments.map { "\($0.description) \($0.email) \($0.phone)" }.joined(separator: "\n")
            + rejections.map { $0.message + $0.fields.joined(separator: ",") }.joined()
        XCTAssertEqual(try PANCorpus.leaks(in: everything), [])
        XCTAssertEqual(rejections.count, 1)
        XCTAssertTrue(rejections[0].message.contains("******"), rejections[0].message)
    }

    func testInvalidUTF8IsKeptReplacedAndCounted() throws {
        var bytes = Array((newHeader + "ch_1,2024-09-20 17:40:57,1.00,0,usd,Paid,,,,,,,,,,,,Caf").utf8)
        bytes += [0xE9] + Array(",Live\n".utf8)
        var payments: [Payment] = []
        let report = try PaymentFileReader.read(source: MemoryByteSource(bytes), name: "latin1.csv",
                                                onPayment: { payments.append($0) }, onRejection: { _ in })
        XCTAssertEqual(payments.first?.description, "Caf\u{FFFD}")
        XCTAssertEqual(report.rowsWithInvalidUTF8, 1)
    }

    func testEverySplitOfTheInputGivesTheSamePayments() throws {
        let directory = try TestPaths.temporaryDirectory("split")
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = newHeader + (0..<200).map { index in
            "ch_\(index),2024-09-20 17:40:\(String(format: "%02d", index % 60)),\(index).99,0,usd,Paid,,\"multi\nline \(index)\",,fp\(index % 7),,,,,,,pi_\(index),\"a \"\"quoted\"\" note\",Live"
        }.joined(separator: "\r\n")
        let whole = try readExport(text)
        XCTAssertEqual(whole.payments.count, 200)
        for plan in ChunkPlans.all(length: text.utf8.count) {
            for chunkSize in [7, 4096] {
                let other = try readExport(text, chunkSizes: plan.sizes, chunkSize: chunkSize)
                XCTAssertEqual(other.payments.map(\.id), whole.payments.map(\.id), plan.name)
                XCTAssertEqual(other.payments.map(\.email), whole.payments.map(\.email), plan.name)
                XCTAssertEqual(other.payments.map(\.source.line), whole.payments.map(\.source.line), plan.name)
                XCTAssertEqual(other.payments.map(\.amount), whole.payments.map(\.amount), plan.name)
            }
        }
        XCTAssertEqual(whole.payments[1].source.line, 4, "the first record spans lines 2-3")
    }
}

/// The grouping stage reads text as bytes (`PaymentRecord.withText`), `read` as strings
/// (`makePayment`): both must see the same cleaned values and count the same redactions.
final class PaymentRecordTests: XCTestCase {
    func testRecordBytesEqualThePaymentStrings() throws {
        let header = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Customer Phone,Card Fingerprint,Card Last4,Card Brand,Dispute Status,PaymentIntent ID,Description,Card Name,Mode\n"
        var csv = header
        csv += "ch_1,2024-09-20 17:40:57,12.50,0,usd,Paid,,  ana@example.org ,+1 415 555 0100,fpA,4242,Visa,,pi_1,\"paid with 4242 4242 4242 4242\",\"  Ana  \",Live\n"
        csv += ",2024-09-20 17:41:00,,,,requires_payment_method,,bo@example.org,,,,,,pi_2,,,Live\n"
        csv += "ch_3,2024-09-20 17:42:00,1.00,0,usd,Failed,cus_9,,,fpB,0005,Amex,warning_needs_response,pi_3,4111111111111111,Zoë,test\n"
        var bytes = Array(csv.utf8)
        bytes.append(contentsOf: Array("ch_4,2024-09-20 17:43:00,1.00,0,usd,Paid,,\u{FF}bad@example.org,,fpC,1111,Visa,,pi_4,,Name \u{FF},Live\n".utf8).map { $0 == 0xC3 ? 0xFF : $0 })

        var viaRecords: [[String]] = []
        var keys: [String] = []
        let columns: [PaymentColumn] = [.id, .paymentIntentID, .status, .customerID, .email, .phone, .cardFingerprint, .cardLast4,
                                        .cardBrand, .disputeStatus, .description, .name]
        let recordReport = try PaymentFileReader.readRecords(source: MemoryByteSource(bytes), name: "records.csv", onRecord: { record in
            viaRecords.append(columns.map { column in
                column == .email ? record.withEmail { String(decoding: $0, as: UTF8.self) }
                    : column == .disputeStatus ? record.withDisputeStatus { String(decoding: $0, as: UTF8.self) }
                    : record.withText(column) { String(decoding: $0, as: UTF8.self) }
            })
            keys.append(record.withKey { String(decoding: $0, as: UTF8.self) })
        }, onRejection: { XCTFail("unexpected rejection: \($0.message)") })

        var viaPayments: [[String]] = []
        var paymentKeys: [String] = []
        let paymentReport = try PaymentFileReader.read(source: MemoryByteSource(bytes), name: "records.csv", onPayment: { p in
            viaPayments.append([p.id, p.paymentIntentID, p.rawStatus, p.customerID, p.email, p.phone, p.cardFingerprint, p.cardLast4,
                                p.cardBrand, p.disputeStatus, p.description, p.name])
            paymentKeys.append(p.key)
        }, onRejection: { XCTFail("unexpected rejection: \($0.message)") })

        XCTAssertEqual(viaRecords.count, 4)
        XCTAssertEqual(viaRecords, viaPayments)
        XCTAssertEqual(keys, paymentKeys)
        XCTAssertEqual(keys[1], "pi_2", "an incomplete row is keyed by its PaymentIntent")
        XCTAssertEqual(viaRecords[0][4], "ana@example.org")
        XCTAssertEqual(viaRecords[0][11], "  Ana  ", "names keep their spaces")
        XCTAssertFalse(viaRecords[0][10].contains("4242 4242 4242 4242"), "card numbers are redacted")
        XCTAssertFalse(viaRecords[2][10].contains("4111111111111111"))
        XCTAssertTrue(viaRecords[3][4].contains("\u{FFFD}"), "invalid UTF-8 is replaced")
        XCTAssertEqual(recordReport.redactedFields, paymentReport.redactedFields)
        XCTAssertEqual(recordReport.redactedFields, 2)
        XCTAssertEqual(recordReport.rowsWithInvalidUTF8, 1)
        XCTAssertEqual(paymentReport.rowsWithInvalidUTF8, 1)
    }
}
