import Codecs
import Foundation
import GuestPipeCore
import GuestPipeTestSupport
import Ingest
import SampleData
import XCTest

final class SampleGeneratorTests: XCTestCase {
    func generate(_ options: SampleOptions) throws -> (URL, [String]) {
        let directory = try TestPaths.temporaryDirectory("sample")
        let paths = try SampleGenerator(options: options).write(to: directory.path)
        return (directory, paths)
    }

    func testTheTruthFileNamesThePlantedPaymentsAndTheExtraBurstsRangeFrom5To500() throws {
        var options = SampleOptions()
        options.payments = 3000
        options.days = 2
        options.plantedBursts = 3
        options.compression = .none
        let directory = try TestPaths.temporaryDirectory("truth")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generator = SampleGenerator(options: options)
        let paths = try generator.write(to: directory.path)
        let truthPath = directory.appendingPathComponent("truth.csv").path
        try generator.writeTruth(to: truthPath)
        let lines = try String(contentsOfFile: truthPath, encoding: .utf8).split(separator: "\n").dropFirst()
        var counts: [String: Int] = [:]
        for line in lines { counts[String(line.split(separator: ",")[1]), default: 0] += 1 }
        for truth in SampleTruth.allCases { XCTAssertGreaterThan(counts[truth.rawValue] ?? 0, 0, truth.rawValue) }
        // Bursts of 5, 50 and 500 attempts, on top of the generator's own and the planted one.
        XCTAssertGreaterThanOrEqual((counts["card-testing"] ?? 0) + (counts["confirmed-card"] ?? 0), 555)
        // Every payment the truth names is in an export (the first column is the id).
        var exported = Set<Substring>()
        for path in paths {
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") { exported.insert(line.prefix { $0 != "," }) }
        }
        for line in lines { XCTAssertTrue(exported.contains(line.prefix { $0 != "," }), String(line)) }
    }

    func testTheSameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws {
        var options = SampleOptions()
        options.payments = 1500
        options.seed = 9
        let (first, firstPaths) = try generate(options)
        let (second, secondPaths) = try generate(options)
        options.seed = 10
        let (third, thirdPaths) = try generate(options)
        defer { for url in [first, second, third] { try? FileManager.default.removeItem(at: url) } }
        for (a, b) in zip(firstPaths, secondPaths) {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
        }
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: firstPaths[0])), try Data(contentsOf: URL(fileURLWithPath: thirdPaths[0])))
    }

    func testEveryLayoutReadsBackWithoutRejectsAndCarriesTheScenarios() throws {
        for layout in SampleLayout.allCases {
            var options = SampleOptions()
            options.payments = 3000
            options.days = 3
            options.layout = layout
            let (directory, paths) = try generate(options)
            defer { try? FileManager.default.removeItem(at: directory) }
            var byID: [String: [Payment]] = [:]
            var all: [Payment] = []
            for path in paths {
                let report = try PaymentFileReader.read(path: path, onPayment: { payment in
                    byID[payment.key, default: []].append(payment)
                    all.append(payment)
                }, onRejection: { XCTFail("\(layout): \($0.message)") })
                XCTAssertEqual(report.rejects, 0, "\(layout)")
                XCTAssertEqual(report.compression, .zstd)
            }
            XCTAssertGreaterThan(all.count, byID.count, "\(layout): the previous day is exported again")
            if layout == .newDefault {
                XCTAssertLessThan(byID.count, 3000 + SampleGenerator.plantedPaymentCount, "no PaymentIntent column: incomplete rows are left out")
                XCTAssertGreaterThan(byID.count, 2800)
            } else {
                XCTAssertEqual(byID.count, 3000 + SampleGenerator.plantedPaymentCount, "\(layout): distinct payments")
                XCTAssertTrue(all.contains { $0.status == .incomplete }, "\(layout): incomplete PaymentIntents")
            }
            XCTAssertTrue(all.contains { $0.status == .failed }, "\(layout): failed payments")
            XCTAssertTrue(all.contains { $0.isGuest } && all.contains { !$0.customerID.isEmpty }, "\(layout): guests and customers")
            if layout != .newDefault {
                XCTAssertTrue(byID.values.contains { copies in copies.count == 2 && copies[0].amountRefunded != copies[1].amountRefunded },
                              "\(layout): a later export carries a refund the earlier did not")
                let cards = Dictionary(grouping: all.filter { !$0.cardFingerprint.isEmpty }, by: \.cardFingerprint)
                XCTAssertTrue(cards.values.contains { Set($0.map { $0.email.lowercased() }.filter { !$0.isEmpty && $0.contains("@") }).count >= 2 },
                              "\(layout): a card used by two people")
                XCTAssertTrue(all.contains { $0.cardFingerprint.isEmpty && $0.isGuest }, "\(layout): non-card guest payments")
                // Card testing: many failed payments within minutes.
                let failed = all.filter { $0.status == .failed }.map(\.created).sorted()
                let burst = zip(failed, failed.dropFirst(10)).contains { $1 - $0 <= 300 }
                XCTAssertTrue(burst, "\(layout): a card-testing burst")
            }
            if layout == .newAll {
                XCTAssertTrue(all.contains { $0.phone.hasPrefix("(") } && all.contains { $0.phone.hasPrefix("+") }, "phone formats vary")
                XCTAssertTrue(all.contains { $0.email == "test@example.com" || $0.email == "n/a" || $0.email == "none" }, "placeholders")
                XCTAssertTrue(all.contains { $0.isDispute }, "disputes")
                XCTAssertTrue(all.contains { $0.currency?.exponent == 0 } && all.contains { $0.currency?.exponent == 3 }, "currencies")
            }
        }
    }

    func testEveryCompressionNamesItsFilesForTheBytesWritten() throws {
        for compression in OutputCompression.allCases {
            var options = SampleOptions()
            options.payments = 200
            options.days = 1
            options.compression = compression
            let (directory, paths) = try generate(options)
            defer { try? FileManager.default.removeItem(at: directory) }
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: paths[0])).prefix(4))
            XCTAssertEqual(Compression.fromSuffix(paths[0]) ?? .none, compression.compression, paths[0])
            XCTAssertEqual(Compression.sniff(bytes), compression.compression, "\(compression): the bytes match the name")
            XCTAssertEqual(try PaymentFileReader.read(path: paths[0], onPayment: { _ in }, onRejection: { _ in }).compression, compression.compression)
        }
    }
}

/// The committed `sample-data/` pins the generator's bytes (scripts/make-sample-data): a change
/// that should leave ordinary payments alone must still reproduce them.
final class SampleDataPinTests: XCTestCase {
    static func decompressed(_ path: String) throws -> [UInt8] {
        let source = try DecompressingSource(FileByteSource(path: path), name: path)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return bytes }
            bytes += buffer[0..<count]
        }
    }

    /// Writes `options`' sample uncompressed and compares each day with `sample-data/NAME`.
    func assertReproduces(_ options: SampleOptions, names: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        var options = options
        options.compression = .none
        let directory = try TestPaths.temporaryDirectory("pin")
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try SampleGenerator(options: options).write(to: directory.path)
        XCTAssertEqual(paths.count, names.count, file: file, line: line)
        let committed = TestPaths.packageRoot.appendingPathComponent("sample-data")
        for (path, name) in zip(paths, names) {
            let expected = try Self.decompressed(committed.appendingPathComponent(name).path)
            let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertTrue(written == expected, "\(name): the generator no longer writes the committed bytes", file: file, line: line)
        }
    }

    func testTheGeneratorStillWritesTheCommittedSampleData() throws {
        var options = SampleOptions()
        options.payments = 1500
        options.days = 3
        options.seed = 2026
        try assertReproduces(options, names: ["payments-2026-03-01.csv.zst", "payments-2026-03-02.csv.zst", "payments-2026-03-03.csv.zst"])
        var unified = SampleOptions()
        unified.payments = 300
        unified.days = 1
        unified.seed = 2027
        unified.layout = .newDefault
        unified.firstDay = Int64(UTCTime.daysFromCivil(year: 2026, month: 3, day: 4)) * 86_400
        try assertReproduces(unified, names: ["unified_payments.csv.zst"])
    }
}
