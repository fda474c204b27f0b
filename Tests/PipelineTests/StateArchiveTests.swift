import Codecs
import Foundation
import GuestPipeCore
import GuestPipeTestSupport
import Grouping
import Ingest
@testable import Pipeline
@testable import SampleData
import XCTest

/// The state-archive decoder reads bytes from disk: damage of any kind must end in an error
/// naming the export, never a trap (the fuzz target `guestpipe-fuzz archive` goes further).
final class StateArchiveTests: XCTestCase {
    func archive(rows: Int = 40) throws -> (batch: PaymentBatch, raw: [UInt8]) {
        var csv = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Customer Email,Card Fingerprint\n"
        for index in 0..<rows {
            csv += "ch_\(index),2026-03-01 10:\(String(format: "%02d", index % 60)):00,\(index).50,0,usd,\(index % 5 == 0 ? "Failed" : "Paid"),,b\(index % 7)@mail.test-shop.com,fp\(index % 9)\n"
        }
        csv += "ch_bad,2026-03-01 10:00:00,1e3,0,usd,Paid,,,\n"
        let directory = try TestPaths.temporaryDirectory("archive")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("2026-03-01.csv").path
        try Data(csv.utf8).write(to: URL(fileURLWithPath: path))
        let batch = try LedgerBuilder.readBatch(path, progress: { _ in })
        let raw = try ZstdBuffer.decompress(try BatchArchive.encode(batch), name: path)
        return (batch, raw)
    }

    func testAnArchiveRoundTripsItsPaymentsAndRejectedRows() throws {
        let (batch, raw) = try archive()
        let decoded = try BatchArchive.decode(decompressed: raw, report: batch.report)
        XCTAssertEqual(decoded.entries.count, 40)
        // Every field of every payment, as text (the format is explicit, field by field).
        XCTAssertEqual(decoded.entries.map { String(describing: $0) }, batch.entries.map { String(describing: $0) })
        XCTAssertEqual(decoded.keys, batch.keys)
        XCTAssertEqual(decoded.pool.count, batch.pool.count)
        XCTAssertEqual(decoded.rejections.count, 1)
        XCTAssertEqual(try decoded.rejections.first(5).map(\.reason), [.badAmount])
    }

    func testEveryTruncationIsAnErrorNamingTheExport() throws {
        let (batch, raw) = try archive(rows: 5)
        for length in stride(from: 0, to: raw.count, by: 1) {
            XCTAssertThrowsError(try BatchArchive.decode(decompressed: Array(raw.prefix(length)), report: batch.report)) { error in
                XCTAssertEqual((error as? GuestPipeError)?.code, .corruptInput, "cut at \(length)")
                XCTAssertEqual((error as? GuestPipeError)?.location?.file, batch.report.path)
            }
        }
    }

    func testRandomDamageNeverTraps() throws {
        let (batch, raw) = try archive()
        var generator = SeededRandom(seed: 7)
        var refused = 0
        for _ in 0..<3_000 {
            var damaged = raw
            for _ in 0..<Int(generator.next() % 4 + 1) {
                let offset = Int(generator.next() % UInt64(damaged.count))
                damaged[offset] = UInt8(truncatingIfNeeded: generator.next())
            }
            if (try? BatchArchive.decode(decompressed: damaged, report: batch.report)) == nil { refused += 1 }
        }
        XCTAssertGreaterThan(refused, 100, "damage in counts, offsets and tags is found")
    }

    func testARejectLogKeepsEveryRowAcrossCompressedChunks() throws {
        let log = RejectLog()
        for index in 0..<20_000 {
            try log.append(Rejection(location: SourceLocation(file: "a.csv", line: UInt64(index + 2), record: UInt64(index + 1), column: "Amount"),
                                     reason: .badAmount, message: "the amount \"x\" is not a plain decimal",
                                     fields: ["ch_\(index)", "x", String(repeating: "description ", count: 8)]))
        }
        var lines: [UInt64] = []
        try log.forEach { lines.append($0.location.line) }
        XCTAssertEqual(lines, (0..<20_000).map { UInt64($0 + 2) })
        var reader = ByteReader(bytes: try log.encoded(), name: "a.csv")
        let copy = try RejectLog(decoding: &reader)
        XCTAssertEqual(copy.count, 20_000)
        XCTAssertEqual(try copy.first(1).first?.fields.first, "ch_0")
        XCTAssertLessThan(try log.encoded().count, 20_000 * 40, "held compressed")
    }
}
