import Codecs
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
        /// rows and, when asked for, their state archive (encoded on the thread that read it,
        /// so only compressed bytes are held).
        public let fresh: [String: FreshFile]
    }

    public struct FreshFile {
        public let report: FileReport
        public let rejections: Int
        public let archive: EncodedArchive?
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

    /// `archiveFresh` turns each freshly read batch into state-archive bytes on the thread that
    /// read it (nil: archives are not needed).
    public static func build(sources: [Source], jobs: Int, archiveFresh: ((PaymentBatch) throws -> EncodedArchive)? = nil,
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
        let sizes = BatchSizes()
        try ParallelWork.ordered(undated.count, workers: jobs, window: undated.count,
                                 work: { try readBatch(undated[$0], sizes: sizes, progress: progress) }, consume: { _, batch in
            let last = batch.report.lastCreated ?? 0
            known.append((batch.report.path, Int((last - (last < 0 ? 86_399 : 0)) / 86_400)))
            held[batch.report.path] = batch
        })
        let order = ExportOrder.sorted(known)
        let ledger = PaymentLedger()
        var reports: [FileReport] = []
        var rejections: [RejectLog] = []
        var fresh: [String: FreshFile] = [:]
        var position = 0
        var reserved = false
        func merge(_ batch: PaymentBatch, isFresh: Bool, archive: EncodedArchive?) throws {
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
                fresh[batch.report.path] = FreshFile(report: batch.report, rejections: batch.rejections.count, archive: archive)
            }
            position += 1
        }
        // Every export and state archive in merge order: read or decoded on `jobs` threads and
        // merged here in order as soon as its turn comes, with only a few batches waiting. The
        // undated exports were read above: never twice (a stream such as stdin could not be).
        let readEarly = HeldBatches(held)
        held = [:]
        // A fresh batch is archived on its worker thread, beside the reading of the next files,
        // not on the merging thread, which every file waits for.
        try ParallelWork.ordered(order.count, workers: jobs, window: jobs + 1, work: { index -> (batch: PaymentBatch, isFresh: Bool, archive: EncodedArchive?) in
            let path = order[index]
            if let batch = readEarly.take(path) { return (batch, true, try archiveFresh?(batch)) }
            if let load = archived[path] {
                progress("loading \((path as NSString).lastPathComponent) from state")
                return (try load(), false, nil)
            }
            let batch = try readBatch(path, sizes: sizes, progress: progress)
            return (batch, true, try archiveFresh?(batch))
        }, consume: { _, item in try merge(item.batch, isFresh: item.isFresh, archive: item.archive) })
        ledger.finishMerging()
        return Built(ledger: ledger, files: order, reports: reports, rejections: rejections, fresh: fresh)
    }

    static func readBatch(_ path: String, sizes: BatchSizes = BatchSizes(), progress: @escaping (String) -> Void) throws -> PaymentBatch {
        let batch = PaymentBatch(path: path)
        sizes.reserve(batch, path: path)
        defer { sizes.record(batch) }
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

/// What the files read so far hold per compressed byte: a batch reserves room for its rows,
/// keys and text from its file's size instead of doubling (and copying) as it is read.
/// @unchecked Sendable: the totals are only touched under `lock`.
final class BatchSizes: @unchecked Sendable {
    private let lock = NSLock()
    private var compressedBytes = 0.0, rows = 0.0, keyBytes = 0.0, values = 0.0, poolBytes = 0.0

    func record(_ batch: PaymentBatch) {
        guard batch.report.compressedBytes > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        compressedBytes += Double(batch.report.compressedBytes)
        rows += Double(batch.entries.count)
        keyBytes += Double(batch.keys.count)
        values += Double(batch.pool.count)
        poolBytes += Double(batch.pool.byteCount)
    }

    /// Nothing before the first file is recorded, nor for a stream (no size).
    func reserve(_ batch: PaymentBatch, path: String) {
        guard path != "-", let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue else { return }
        lock.lock()
        let scale = compressedBytes > 0 ? size / compressedBytes * 1.05 : 0
        let (rows, keyBytes, values, poolBytes) = (self.rows * scale, self.keyBytes * scale, self.values * scale, self.poolBytes * scale)
        lock.unlock()
        guard scale > 0 else { return }
        batch.reserve(rows: Int(rows), keyBytes: Int(keyBytes), values: Int(values), poolBytes: Int(poolBytes))
    }
}

/// A state archive's bytes and their SHA-256 (hex), made beside the reading; or, when the
/// state already holds an intact archive of the same export written by this very build
/// (`reused`), only that archive's SHA-256: the commit keeps the stored bytes.
public struct EncodedArchive {
    public let bytes: [UInt8]
    public let sha256: String
    public var reused = false
}

/// Batches read before their turn (the undated exports), handed out once each so that a merged
/// batch is freed. @unchecked Sendable: `batches` is only touched under `lock`.
private final class HeldBatches: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [String: PaymentBatch]

    init(_ batches: [String: PaymentBatch]) { self.batches = batches }

    func take(_ path: String) -> PaymentBatch? {
        lock.lock()
        defer { lock.unlock() }
        return batches.removeValue(forKey: path)
    }
}
