import Dispatch
import Foundation

/// The one way guestpipe runs independent work side by side: a parallel map over indices whose
/// results come back in index order. Every task runs to its end (none is left waiting), and
/// the first error in index order is thrown once all have finished.
public enum ParallelWork {
    /// Runs `body(0) … body(count - 1)` on all cores and waits for every one. This is the one
    /// place guestpipe hands non-`Sendable` closures and buffers to other threads: callers
    /// promise that their tasks only read what they share, or write disjoint parts of it (each
    /// slice its own range, each index its own slot), which the type system cannot see.
    public static func perform(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { index in task.value(index) }
        }
    }

    public static func map<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        let slots = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        // Each task writes only its own slot, and the buffer outlives them.
        let shared = UncheckedSendable(slots)
        perform(count) { index in shared.value[index] = Result { try body(index) } }
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
        withUnsafeMutablePointer(to: &a) { a in
            withUnsafeMutablePointer(to: &b) { b in
                perform(2) { index in
                    if index == 0 { a.pointee = first() } else { b.pointee = second() }
                }
            }
        }
        return (a!, b!)
    }
}

extension ParallelWork {
    /// Runs `work` for indices `0..<count` on `workers` threads and hands each result to
    /// `consume` on the calling thread, in index order. At most `window` finished results wait
    /// for their turn, so memory stays bounded. When `work` or `consume` throws, no further
    /// index is started, every worker finishes the one it holds and exits, and the first error
    /// is thrown: no thread is ever left waiting.
    public static func ordered<T>(_ count: Int, workers: Int, window: Int,
                                  work: @escaping (Int) throws -> T, consume: (Int, T) throws -> Void) throws {
        guard count > 0 else { return }
        let queue = OrderedQueue<T>(count: count, window: max(1, window))
        let group = DispatchGroup()
        let task = UncheckedSendable(work)
        for _ in 0..<max(1, min(workers, count)) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while let index = queue.take() { queue.finish(index, Result { try task.value(index) }) }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        defer {
            queue.cancel()
            group.wait()
        }
        for index in 0..<count { try consume(index, try queue.wait(for: index)) }
    }
}

/// A value handed to other threads by `ParallelWork` (see `perform` for the promise behind it).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The shared state of `ParallelWork.ordered`. @unchecked Sendable: every field is read and
/// written under `condition` only.
private final class OrderedQueue<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Int: Result<T, Error>] = [:]
    private var next = 0
    private var consumed = 0
    private let count: Int
    private let window: Int
    private var cancelled = false

    init(count: Int, window: Int) {
        self.count = count
        self.window = window
    }

    /// The next index to work on; nil when all are taken or the work was cancelled.
    func take() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled, next < count, next - consumed >= window { condition.wait() }
        guard !cancelled, next < count else { return nil }
        next += 1
        return next - 1
    }

    func finish(_ index: Int, _ result: Result<T, Error>) {
        condition.lock()
        results[index] = result
        if case .failure = result { cancelled = true }
        condition.broadcast()
        condition.unlock()
    }

    /// Stops handing out work and wakes every waiting worker.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The result of `index` once it is ready; a failure anywhere is thrown at once.
    func wait(for index: Int) throws -> T {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil {
            if let failure = results.values.first(where: { if case .failure = $0 { return true } else { return false } }) {
                _ = try failure.get()
            }
            condition.wait()
        }
        let result = results.removeValue(forKey: index)!
        consumed = index + 1
        condition.broadcast()
        return try result.get()
    }
}
