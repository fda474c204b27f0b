import Foundation
import GuestPipeCore
import Grouping
import Ingest

/// Reads every input into one deduplicated ledger: files are read `jobs` at a time (each with
/// decompression on its own thread) and merged in export order as soon as their turn comes, so
/// only a few files' compact batches are held at once.
public enum LedgerBuilder {
    public struct Built {
        public let ledger: PaymentLedger
        /// Input files in export order (`LedgerEntry.file` indexes this).
        public let files: [String]
        public let reports: [FileReport]
        /// Rejected rows per input, in export order.
        public let rejections: [RejectLog]
        public var rejectCount: Int { rejections.reduce(0) { $0 + $1.count } }
        /// Exports read (not loaded from state) in this run, by path: their report, rejected
        /// rows and, when asked for, their state archive (encoded as soon as the batch was merged,
        /// so only compressed bytes are held).
        public let fresh: [String: FreshFile]
    }

    public struct FreshFile {
        public let report: FileReport
        public let rejections: Int
        public let archive: [UInt8]?
    }

    /// Where a file's payments come from: the export itself, or a state archive of it.
    public enum Source {
        case export(String)
        case archived(path: String, day: Int, load: () throws -> PaymentBatch)

        var path: String {
            switch self {
            case .export(let path): return path
            case .archived(let path, _, _): return path
            }
        }
    }

    /// `archiveFresh` turns each freshly read batch into state-archive bytes right after it is
    /// merged (nil: archives are not needed).
    public static func build(sources: [Source], jobs: Int, archiveFresh: ((PaymentBatch) throws -> [UInt8])? = nil,
                             progress: @escaping (String) -> Void) throws -> Built {
        // Exports whose name carries a date, and archives, are ordered before reading; undated
        // exports need their latest payment date, so they are read first and held.
        var known: [(path: String, day: Int)] = []
        var archived: [String: () throws -> PaymentBatch] = [:]
        var undated: [String] = []
        for source in sources {
            switch source {
            case .export(let path):
                if let day = ExportOrder.nameDay(path) { known.append((path, day)) } else { undated.append(path) }
            case .archived(let path, let day, let load):
                known.append((path, day))
                archived[path] = load
            }
        }
        var held: [String: PaymentBatch] = [:]
        if !undated.isEmpty {
            let batches = try readAll(undated, jobs: jobs, window: undated.count, progress: progress) { _, _ in }
            for batch in batches {
                let last = batch.report.lastCreated ?? 0
                known.append((batch.report.path, Int((last - (last < 0 ? 86_399 : 0)) / 86_400)))
                held[batch.report.path] = batch
            }
        }
        let order = ExportOrder.sorted(known)
        // State archives are decoded on a thread of their own, in merge order, a couple ahead.
        let archivedOrder = order.filter { archived[$0] != nil }
        let archivedPosition = Dictionary(uniqueKeysWithValues: archivedOrder.enumerated().map { ($1, $0) })
        let loaded = OrderedResults(count: archivedOrder.count, window: 2)
        if !archivedOrder.isEmpty {
            let loads = archivedOrder.map { archived[$0]! }
            let loader = Thread {
                while let index = loaded.take() {
                    loaded.finish(index, Result { try loads[index]() })
                }
            }
            loader.stackSize = 4 << 20
            loader.start()
        }
        let ledger = PaymentLedger()
        var reports: [FileReport] = []
        var rejections: [RejectLog] = []
        var fresh: [String: FreshFile] = [:]
        var position = 0
        var reserved = false
        func merge(_ batch: PaymentBatch, isFresh: Bool) throws {
            // From the first export read, the rows per compressed byte: the ledger reserves room
            // for every row of every export once, instead of being copied as it grows.
            if !reserved, isFresh, batch.report.compressedBytes > 0, !batch.entries.isEmpty {
                reserved = true
                let rowsPerByte = Double(batch.entries.count) / Double(batch.report.compressedBytes)
                let keyBytesPerRow = Double(batch.keys.count) / Double(batch.entries.count)
                let exportBytes = sources.reduce(0.0) { total, source in
                    guard case .export(let path) = source,
                          let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber else { return total }
                    return total + size.doubleValue
                }
                let rows = Int(exportBytes * rowsPerByte * 1.1)
                ledger.reserve(payments: rows, keyBytes: Int(Double(rows) * keyBytesPerRow))
            }
            ledger.merge(batch, fileIndex: UInt32(position))
            reports.append(batch.report)
            rejections.append(batch.rejections)
            if isFresh {
                fresh[batch.report.path] = FreshFile(report: batch.report, rejections: batch.rejections.count,
                                                     archive: try archiveFresh?(batch))
            }
            position += 1
        }
        func mergeReady() throws {
            while position < order.count {
                let path = order[position]
                if let batch = held.removeValue(forKey: path) {
                    try merge(batch, isFresh: true)
                } else if let index = archivedPosition[path] {
                    progress("loading \((path as NSString).lastPathComponent) from state")
                    try merge(try loaded.wait(for: index), isFresh: false)
                } else {
                    return
                }
            }
        }
        try mergeReady()
        // The undated exports were read above (and may already be merged): never read twice,
        // which a stream such as standard input could not do anyway.
        let readEarly = Set(undated)
        let toRead = order.filter { !readEarly.contains($0) && archived[$0] == nil }
        var failure: Error?
        _ = try readAll(toRead, jobs: jobs, window: jobs + 1, progress: progress) { _, batch in
            guard failure == nil else { return }
            do {
                try mergeReady()
                try merge(batch, isFresh: true)
                try mergeReady()
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        try mergeReady()
        ledger.finishMerging()
        return Built(ledger: ledger, files: order, reports: reports, rejections: rejections, fresh: fresh)
    }

    /// Reads `paths` on `jobs` threads; `consume` runs on the calling thread in path order.
    /// At most `window` finished batches wait for their turn. Returns the batches only when
    /// `consume` does nothing with them (used for the undated files).
    static func readAll(_ paths: [String], jobs: Int, window: Int, progress: @escaping (String) -> Void,
                        consume: (Int, PaymentBatch) -> Void) throws -> [PaymentBatch] {
        let queue = OrderedResults(count: paths.count, window: window)
        let workers = max(1, min(jobs, paths.count))
        for _ in 0..<workers {
            let thread = Thread {
                while let index = queue.take() {
                    let result = Result<PaymentBatch, Error> { try readBatch(paths[index], progress: progress) }
                    queue.finish(index, result)
                }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        var kept: [PaymentBatch] = []
        for index in 0..<paths.count {
            let batch = try queue.wait(for: index)
            consume(index, batch)
            if window >= paths.count { kept.append(batch) }
        }
        return kept
    }

    static func readBatch(_ path: String, progress: @escaping (String) -> Void) throws -> PaymentBatch {
        let batch = PaymentBatch(path: path)
        var count = 0
        batch.report = try PaymentFileReader.readRecords(path: path, columns: ledgerColumns, onRecord: { payment in
            batch.add(payment)
            count += 1
            if count % 100_000 == 0 { progress("\((path as NSString).lastPathComponent): \(count) payments") }
        }, onRejection: { rejection in
            try batch.rejections.append(rejection)
        })
        return batch
    }
}

/// Results of parallel jobs handed out in index order, with a bounded number waiting.
final class OrderedResults: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Int: Result<PaymentBatch, Error>] = [:]
    private var next = 0
    private var consumed = 0
    private let count: Int
    private let window: Int
    private var failed = false

    init(count: Int, window: Int) {
        self.count = count
        self.window = max(1, window)
    }

    /// The next index to work on; blocks while too many results wait; nil when done or failed.
    func take() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !failed, next < count, next - consumed >= window { condition.wait() }
        guard !failed, next < count else { return nil }
        next += 1
        return next - 1
    }

    func finish(_ index: Int, _ result: Result<PaymentBatch, Error>) {
        condition.lock()
        results[index] = result
        if case .failure = result { failed = true }
        condition.broadcast()
        condition.unlock()
    }

    func wait(for index: Int) throws -> PaymentBatch {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil {
            if failed, let failure = results.values.first(where: { if case .failure = $0 { return true } else { return false } }) {
                if case .failure(let error) = failure { throw error }
            }
            condition.wait()
        }
        let result = results.removeValue(forKey: index)!
        consumed = index + 1
        condition.broadcast()
        return try result.get()
    }
}
