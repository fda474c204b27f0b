import Foundation
import GuestPipeCore
import XCTest

final class ParallelWorkTests: XCTestCase {
    struct Failure: Error, Equatable { let index: Int }

    func testResultsComeBackInIndexOrderWithABoundedWindow() throws {
        let lock = NSLock()
        var started = 0
        var consumedSoFar = 0
        var maximumAhead = 0
        var seen: [Int] = []
        try ParallelWork.ordered(200, workers: 2, window: 3, work: { index -> Int in
            lock.lock()
            started += 1
            maximumAhead = max(maximumAhead, started - consumedSoFar)
            lock.unlock()
            usleep(UInt32((index * 7919) % 500))
            return index * 2
        }, consume: { index, value in
            XCTAssertEqual(value, index * 2)
            seen.append(index)
            lock.lock()
            consumedSoFar += 1
            lock.unlock()
        })
        XCTAssertEqual(seen, Array(0..<200))
        XCTAssertLessThanOrEqual(maximumAhead, 4, "at most `window` results wait, plus the one being consumed")
    }

    /// What the background run below reports. @unchecked Sendable: fields under `lock`.
    final class Observed: @unchecked Sendable {
        let lock = NSLock()
        var started = 0
        var thrown: Error?
    }

    func testAFailingTaskOrConsumerStopsTheWorkAndLeavesNoThreadWaiting() {
        for failInConsumer in [false, true] {
            let observed = Observed()
            let finished = expectation(description: "returns")
            DispatchQueue.global().async {
                do {
                    try ParallelWork.ordered(10_000, workers: 2, window: 2, work: { index -> Int in
                        observed.lock.lock()
                        observed.started += 1
                        observed.lock.unlock()
                        if !failInConsumer && index == 5 { throw Failure(index: index) }
                        return index
                    }, consume: { index, _ in
                        if failInConsumer && index == 5 { throw Failure(index: index) }
                    })
                } catch {
                    observed.lock.lock()
                    observed.thrown = error
                    observed.lock.unlock()
                }
                finished.fulfill()
            }
            wait(for: [finished], timeout: 30)
            observed.lock.lock()
            XCTAssertEqual(observed.thrown as? Failure, Failure(index: 5))
            XCTAssertLessThan(observed.started, 100, "no work is started after the failure")
            observed.lock.unlock()
        }
    }

    func testMapAndBoth() throws {
        XCTAssertEqual(try ParallelWork.map(100) { $0 * $0 }, (0..<100).map { $0 * $0 })
        XCTAssertThrowsError(try ParallelWork.map(10) { index -> Int in if index >= 3 { throw Failure(index: index) }; return index }) { error in
            XCTAssertEqual(error as? Failure, Failure(index: 3), "the first error in index order")
        }
        let (a, b) = ParallelWork.both({ "left" }, { 42 })
        XCTAssertEqual(a, "left")
        XCTAssertEqual(b, 42)
    }
}
