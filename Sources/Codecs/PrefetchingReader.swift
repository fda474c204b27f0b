import Foundation
import GuestPipeCore

/// Runs a source (typically decompression) on its own thread, a few large chunks ahead of the
/// consumer, so that decompressing and CSV parsing use both cores. Memory stays bounded:
/// `chunkCount` buffers of `chunkSize` bytes, reused. This is a stream (one producer, one
/// consumer, in order), not a parallel map, so it is not `ParallelWork`.
///
/// @unchecked Sendable: every mutable field is read and written under `condition`, and
/// `source` is used by the producer thread only, once it has started.
public final class PrefetchingReader: @unchecked Sendable {
    private let source: ByteSource
    private let chunkSize: Int
    private let condition = NSCondition()
    private var free: [UnsafeMutableRawBufferPointer]
    private var filled: [(buffer: UnsafeMutableRawBufferPointer, count: Int)] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private var producerDone = false
    private var lent: UnsafeMutableRawBufferPointer?
    private var started = false

    public init(_ source: ByteSource, chunkSize: Int = 1 << 20, chunkCount: Int = 4) {
        self.source = source
        self.chunkSize = chunkSize
        free = (0..<chunkCount).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64) }
    }

    deinit {
        cancel()
        condition.lock()
        while started && !producerDone { condition.wait() }
        condition.unlock()
        for buffer in free { buffer.deallocate() }
        for item in filled { item.buffer.deallocate() }
        lent?.deallocate()
    }

    /// The next chunk of bytes, valid until the next call; nil at the verified end.
    /// Rethrows the source's error (truncation, corruption, I/O) at the point it happened.
    public func next() throws -> UnsafeRawBufferPointer? {
        condition.lock()
        defer { condition.unlock() }
        if !started {
            started = true
            let thread = Thread { [unowned self] in self.produce() }
            thread.stackSize = 1 << 20
            thread.start()
        }
        if let buffer = lent {
            free.append(buffer)
            lent = nil
            condition.broadcast()
        }
        while filled.isEmpty && !finished && failure == nil { condition.wait() }
        if !filled.isEmpty {
            let item = filled.removeFirst()
            lent = item.buffer
            return UnsafeRawBufferPointer(start: item.buffer.baseAddress, count: item.count)
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer early (the consumer gave up).
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func produce() {
        defer {
            condition.lock()
            producerDone = true
            condition.broadcast()
            condition.unlock()
        }
        while true {
            condition.lock()
            while free.isEmpty && !cancelled { condition.wait() }
            if cancelled {
                condition.unlock()
                return
            }
            let buffer = free.removeLast()
            condition.unlock()
            var count = 0
            var error: Error?
            do {
                // Fill the chunk as far as the source allows, so the consumer sees big pieces.
                while count < chunkSize {
                    let got = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
                    if got == 0 { break }
                    count += got
                }
            } catch let caught {
                error = caught
            }
            condition.lock()
            if count > 0 && error == nil {
                filled.append((buffer, count))
            } else {
                free.append(buffer)
            }
            if let error { failure = error }
            if count < chunkSize || error != nil { finished = true }
            condition.broadcast()
            condition.unlock()
            if finished { return }
        }
    }
}
