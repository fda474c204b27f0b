import Dispatch
import Foundation

/// The one way guestpipe runs independent work side by side: a parallel map over indices whose
/// results come back in index order. Every task runs to its end (none is left waiting), and
/// the first error in index order is thrown once all have finished.
public enum ParallelWork {
    public static func map<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        let slots = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        // Each task writes only its own slot: no lock is needed, and the buffer outlives them.
        DispatchQueue.concurrentPerform(iterations: count) { index in
            slots[index] = Result { try body(index) }
        }
        return try slots.map { try $0!.get() }
    }

    /// Runs `body` for every index, in parallel; the first error in index order is thrown.
    public static func forEach(_ count: Int, _ body: (Int) throws -> Void) throws {
        _ = try map(count, body)
    }

    /// Two computations side by side.
    public static func both<A, B>(_ first: () -> A, _ second: () -> B) -> (A, B) {
        var a: A?
        var b: B?
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                let results = try? map(2) { index -> Any in index == 0 ? first() as Any : second() as Any }
                a = results?[0] as? A
                b = results?[1] as? B
            }
        }
        return (a!, b!)
    }
}
