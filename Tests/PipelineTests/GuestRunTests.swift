import Codecs
import Foundation
import GuestPipeCore
import GuestPipeTestSupport
import Grouping
import Ingest
import Pipeline
import SampleData
import XCTest

final class GuestRunTests: XCTestCase {
    var directory: URL!
    var inputs: [String] = []
    var keyFile: String!
    let deterministic = ["guests.csv", "guest_totals.csv", "guest_payments.csv", "guests_stripe.csv", "unmatched.csv", "incomplete.csv"]

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("run")
        var options = SampleOptions()
        options.payments = 6000
        options.days = 4
        options.seed = 77
        inputs = try SampleGenerator(options: options).write(to: directory.appendingPathComponent("in").path.createdDirectory())
        keyFile = directory.appendingPathComponent("key").path
        try "test-key-0123456789abcdef".write(toFile: keyFile, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func run(_ inputs: [String], out: String, policy: GroupingPolicy = .card, compression: Compression = .none) throws -> RunOutcome {
        var settings = RunSettings()
        settings.inputs = inputs
        settings.outputDirectory = out
        settings.grouping.policy = policy
        settings.idKeyFile = keyFile
        settings.compression = compression
        return try GuestRun.execute(settings)
    }

    func contents(_ folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in deterministic { result[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) }
        return result
    }

    func testOutputsAreByteIdenticalWhateverTheInputOrderAndPolicyRunsTwice() throws {
        for policy in GroupingPolicy.allCases {
            let first = directory.appendingPathComponent("a-\(policy)").path
            let second = directory.appendingPathComponent("b-\(policy)").path
            _ = try run(inputs, out: first, policy: policy)
            _ = try run(inputs.reversed(), out: second, policy: policy)
            XCTAssertEqual(try contents(first), try contents(second), "\(policy)")
            // Running again into the same folder replaces it with the same bytes.
            _ = try run([inputs[2], inputs[0], inputs[3], inputs[1]], out: first, policy: policy)
            XCTAssertEqual(try contents(first), try contents(second), "\(policy), rerun")
        }
    }

    func testGuestsAreListedInGuestIdByteOrderInEveryGuestFile() throws {
        let out = directory.appendingPathComponent("order").path
        _ = try run(inputs, out: out)
        for name in ["guests.csv", "guest_totals.csv"] {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            let ids = text.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
            XCTAssertGreaterThan(ids.count, 100, name)
            XCTAssertEqual(ids, ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }, name)
        }
    }

    func testTotalsOfGuestsCustomersAndUnmatchedEqualTheDeduplicatedInput() throws {
        let out = directory.appendingPathComponent("totals").path
        let outcome = try run(inputs, out: out)
        XCTAssertGreaterThan(outcome.guests, 100)
        // An independent reference: the later file's copy of each payment wins (same columns in all files).
        var latest: [String: Payment] = [:]
        for path in inputs.sorted() {
            _ = try PaymentFileReader.read(path: path, onPayment: { latest[$0.key] = $0 }, onRejection: { _ in })
        }
        var expected: [String: Int64] = [:]
        for payment in latest.values where payment.status != .incomplete && payment.mode != .test {
            if payment.status.isSucceeded { expected[payment.currency!.code, default: 0] += payment.amount }
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let totals = summary["totals"] as! [String: [String: [String: Any]]]
        for (currency, gross) in expected {
            let exponent = Currency(code: currency)!.exponent
            var sum: Int64 = 0
            for category in ["guests", "customers", "unmatched"] {
                if let text = totals[category]?[currency]?["gross"] as? String {
                    sum += try MinorUnits.parseDecimal(text, exponent: exponent).get()
                }
            }
            XCTAssertEqual(sum, gross, currency)
            XCTAssertEqual(totals["all"]?[currency]?["gross"] as? String, MinorUnits.format(gross, exponent: exponent))
        }
        // And guest_totals.csv adds up to the guests' total.
        let rows = try String(contentsOfFile: out + "/guest_totals.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        var fromFile: [String: Int64] = [:]
        for row in rows {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fromFile[fields[1], default: 0] += try MinorUnits.parseDecimal(fields[2], exponent: Currency(code: fields[1])!.exponent).get()
        }
        for (currency, value) in fromFile {
            XCTAssertEqual(MinorUnits.format(value, exponent: Currency(code: currency)!.exponent), totals["guests"]?[currency]?["gross"] as? String)
        }
        XCTAssertEqual(summary["payments"] as? Int, latest.count)
    }

    func testOutputsAreOwnerOnlyCompressedOnRequestAndCardNumbersNeverLeak() throws {
        let out = directory.appendingPathComponent("z").path
        _ = try run(inputs, out: out, compression: .zstd)
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertTrue(names.contains("guests.csv.zst"))
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        var all = ""
        for name in names {
            XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: out + "/" + name)[.posixPermissions] as? NSNumber)?.intValue, 0o600, name)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/" + name)))
            let source = try DecompressingSource(MemoryByteSource(bytes), name: name)
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if count == 0 { break }
                all += String(decoding: buffer[0..<count], as: UTF8.self)
            }
        }
        XCTAssertEqual(try PANCorpus.leaks(in: all), [])
    }

    func testTooManyRejectsPublishNothingAndKeepThePreviousOutputs() throws {
        let out = directory.appendingPathComponent("keep").path
        _ = try run(inputs, out: out)
        let before = try contents(out)
        let bad = directory.appendingPathComponent("bad-2026-12-31.csv").path
        var text = "id,Created date (UTC),Amount,Currency,Status,Customer ID\n"
        for index in 0..<300 { text += "ch_bad\(index),2026-12-31 10:00:00,1\(index),50,usd,Paid,\n" }
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try run(inputs + [bad], out: out)) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code, .tooManyRejects)
            XCTAssertEqual((error as? GuestPipeError)?.code.exitCode, 65)
        }
        XCTAssertEqual(try contents(out), before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("staging") }
        XCTAssertEqual(leftovers, [], "no staging folder is left behind")
    }

    func testAnOutputFolderWithForeignFilesIsRefused() throws {
        let out = directory.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try "mine".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try run(inputs, out: out.path)) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code, .usage)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("notes.txt").path))
    }

    func testExportOrderFollowsTheDateInTheNameThenNaturalOrder() {
        XCTAssertEqual(ExportOrder.nameDay("dir/unified_payments_2024-09-20.csv.zst"), UTCTime.daysFromCivil(year: 2024, month: 9, day: 20))
        XCTAssertNil(ExportOrder.nameDay("unified_payments.csv"))
        XCTAssertNil(ExportOrder.nameDay("x-2024-13-01.csv"))
        XCTAssertTrue(ExportOrder.naturalLess("x (2).csv", "x (10).csv"))
        XCTAssertFalse(ExportOrder.naturalLess("x (10).csv", "x (2).csv"))
        let order = ExportOrder.sorted([("b/x (10).csv", 5), ("a/x (2).csv", 5), ("z/2024-01-01.csv", 4), ("a/x (2).csv2", 5)])
        XCTAssertEqual(order, ["z/2024-01-01.csv", "a/x (2).csv", "a/x (2).csv2", "b/x (10).csv"])
    }

    func testNoGuestsSaysWhy() throws {
        let file = directory.appendingPathComponent("customers.csv").path
        try "id,Created date (UTC),Amount,Currency,Status,Customer ID\nch_1,2026-01-01 10:00:00,1.00,usd,Paid,cus_1\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try run([file], out: directory.appendingPathComponent("none").path)
        XCTAssertEqual(outcome.guests, 0)
        XCTAssertTrue(outcome.noGuestsReason?.contains("Customer ID") ?? false)
    }
}

extension String {
    func createdDirectory() throws -> String {
        try FileManager.default.createDirectory(atPath: self, withIntermediateDirectories: true)
        return self
    }
}
