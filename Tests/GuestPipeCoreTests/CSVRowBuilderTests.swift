import GuestPipeCore
import XCTest

/// The byte-level row builder must write exactly what the string formatters write.
final class CSVRowBuilderTests: XCTestCase {
    func testRowsMatchTheStringFormatters() {
        var generator = SystemRandomNumberGenerator()
        let texts = ["", "plain", "with,comma", "with \"quote\"", " leading", "trailing ", "line\nbreak", "cr\rhere", "Zoë Ünïcode"]
        for _ in 0..<5_000 {
            let text = texts.randomElement(using: &generator)!
            let count = Int.random(in: -1_000_000...1_000_000_000, using: &generator)
            let seconds = Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator)
            let minor = Int64.random(in: -10_000_000_000...10_000_000_000, using: &generator)
            let exponent = [0, 2, 3].randomElement(using: &generator)!

            var builder = CSVRowBuilder()
            builder.field(text)
            var bytes = Array(text.utf8)
            bytes.withUnsafeMutableBufferPointer { builder.field(bytes: UnsafeBufferPointer($0)) }
            builder.field(count)
            builder.time(seconds)
            builder.money(minor, exponent: exponent)
            builder.field("")
            builder.endRow()

            let expected = CSVText.row([text, text, String(count), UTCTime.format(seconds),
                                        MinorUnits.format(minor, exponent: exponent), ""])
            XCTAssertEqual(String(decoding: builder.bytes, as: UTF8.self), expected)
        }
    }

    func testExtremeNumbersAndClearing() {
        var builder = CSVRowBuilder()
        builder.field(Int.min)
        builder.field(Int.max)
        builder.money(Int64.min, exponent: 2)
        builder.money(0, exponent: 3)
        builder.money(-5, exponent: 2)
        builder.endRow()
        XCTAssertEqual(String(decoding: builder.bytes, as: UTF8.self),
                       CSVText.row([String(Int.min), String(Int.max), MinorUnits.format(Int64.min, exponent: 2), "0.000", "-0.05"]))
        builder.clear()
        builder.field("x")
        builder.endRow()
        XCTAssertEqual(String(decoding: builder.bytes, as: UTF8.self), "x\n")
    }

    func testGrowingPastItsCapacityListsAndFarYears() {
        var builder = CSVRowBuilder(capacity: 8)
        var scratch: [UInt8] = []
        var expected = ""
        for row in 0..<2_000 {
            let seconds = Int64(row) * 400_000_000_000 - 300_000_000_000_000
            let list = Array(["a", "b,c", " d", "e\"f"].prefix(row % 5))
            builder.field(list: list, into: &scratch)
            builder.emptyField()
            builder.time(seconds)
            builder.endRow()
            expected += CSVText.row([list.joined(separator: ";"), "", UTCTime.format(seconds)])
        }
        XCTAssertEqual(builder.byteCount, expected.utf8.count)
        XCTAssertEqual(String(decoding: builder.bytes, as: UTF8.self), expected)
        builder.withBytes { XCTAssertEqual(Array($0), Array(expected.utf8)) }
    }
}
