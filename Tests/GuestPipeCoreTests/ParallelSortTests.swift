import GuestPipeCore
import XCTest

final class ParallelSortTests: XCTestCase {
    func testSortingOnTwoCoresGivesTheSameOrderAsSorted() {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 1_000, 65_536, 200_001] {
            // Pairs with many equal first halves: the second half decides, as payment ids do.
            let values = (0..<count).map { index in (UInt64.random(in: 0..<500, using: &generator), index) }
            let order: ((UInt64, Int), (UInt64, Int)) -> Bool = { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 > $1.1 }
            let expected = values.sorted(by: order)
            let actual = values.sortedOnTwoCores(by: order)
            XCTAssertEqual(actual.map(\.1), expected.map(\.1), "\(count) values")
        }
    }
}
