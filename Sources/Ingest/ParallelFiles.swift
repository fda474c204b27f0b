import Foundation

/// Runs one job per input file on up to `concurrency` threads and returns the results in input
/// order, so output stays deterministic whatever finishes first. The first error wins.
public enum ParallelFiles {
    /// Shared work list; every field is guarded by `lock`.
    private final class WorkList<T>: @unchecked Sendable {
        let lock = NSLock()
        var results: [Result<T, Error>?]
        var nextIndex = 0
        var failed = false
        init(count: Int) { results = Array(repeating: nil, count: count) }

        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard !failed, nextIndex < results.count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }

        func store(_ result: Result<T, Error>, at index: Int) {
            lock.lock()
            results[index] = result
            if case .failure = result { failed = true }
            lock.unlock()
        }
    }

    public static func map<T>(_ paths: [String], concurrency: Int, _ body: @escaping (String) throws -> T) throws -> [T] {
        if concurrency <= 1 || paths.count <= 1 { return try paths.map(body) }
        let work = WorkList<T>(count: paths.count)
        let group = DispatchGroup()
        for _ in 0..<min(concurrency, paths.count) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while let index = work.take() {
                    work.store(Result { try body(paths[index]) }, at: index)
                }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        group.wait()
        var output: [T] = []
        for result in work.results {
            guard let result else { continue }
            output.append(try result.get())
        }
        return output
    }
}
