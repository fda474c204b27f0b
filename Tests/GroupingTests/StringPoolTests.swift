import Grouping
import XCTest

final class StringPoolTests: XCTestCase {
    func testInterningGivesOneIdPerValueAndTheEmptyStringIsZero() {
        let pool = StringPool()
        XCTAssertEqual(pool.intern(""), 0)
        var ids: [String: UInt32] = [:]
        var generator = SystemRandomNumberGenerator()
        // Enough values to grow the table several times, with many repeats and shared prefixes.
        for _ in 0..<20_000 {
            let value = "value-\(Int.random(in: 0..<5_000, using: &generator))-\(String(repeating: "x", count: Int.random(in: 0..<40, using: &generator)))"
            let id = pool.intern(value)
            if let known = ids[value] { XCTAssertEqual(id, known, value) } else { ids[value] = id }
        }
        XCTAssertEqual(pool.count, ids.count + 1)
        for (value, id) in ids {
            XCTAssertEqual(pool[id], value)
            XCTAssertEqual(pool.withBytes(id) { $0.count }, value.utf8.count)
        }
        XCTAssertEqual(Set(ids.values).count, ids.count, "distinct values have distinct ids")
    }

    func testAppendedValuesAreKeptAsIsAndDeduplicatedWhenMergedIntoAnotherPool() {
        let batch = StringPool()
        let first = Array("card_fp_1".utf8), second = Array("card_fp_2".utf8)
        let a = first.withUnsafeBufferPointer { batch.append(bytes: $0) }
        let b = first.withUnsafeBufferPointer { batch.append(bytes: $0) }
        let c = second.withUnsafeBufferPointer { batch.append(bytes: $0) }
        XCTAssertEqual(Set([a, b, c]).count, 3, "append never looks for an equal value")
        XCTAssertEqual(batch[a], batch[b])

        let ledger = StringPool()
        let merged = [a, b, c].map { id in batch.withBytes(id) { ledger.intern(bytes: $0, hash: batch.hash(of: id)) } }
        XCTAssertEqual(merged[0], merged[1])
        XCTAssertNotEqual(merged[0], merged[2])
        XCTAssertEqual(ledger["card_fp_2"], merged[2])
        XCTAssertEqual(ledger[merged[2]], "card_fp_2")
    }

    func testAFrozenPoolStillReadsEveryValue() {
        let pool = StringPool()
        let values = (0..<3_000).map { "email\($0)@example.org" }
        let ids = values.map(pool.intern)
        pool.freeze()
        XCTAssertTrue(pool.isFrozen)
        for (value, id) in zip(values, ids) { XCTAssertEqual(pool[id], value) }
        XCTAssertEqual(pool[0], "")
    }
}

private extension StringPool {
    /// The id of an already interned value (test helper).
    subscript(value: String) -> UInt32 { intern(value) }
}
