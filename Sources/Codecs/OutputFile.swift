import CZstd
import GuestPipeCore
#if canImport(Glibc)
import Glibc
#endif

/// The compressions guestpipe writes (every `Compression` is read; gzip is not written).
/// Command-line options and the pipeline file accept exactly these, by `rawValue`.
public enum OutputCompression: String, Sendable, CaseIterable {
    case none, zstd

    public var compression: Compression {
        switch self {
        case .none: return .none
        case .zstd: return .zstd
        }
    }

    /// What a file of this compression is named with after `.csv`.
    public var suffix: String {
        switch self {
        case .none: return ""
        case .zstd: return ".zst"
        }
    }
}

/// A buffered, owner-only (0600) output file, optionally zstd-compressed as it is written.
/// Nothing is visible under `path` until `close()` has flushed everything: callers write
/// into a staging directory and publish the whole set afterwards.
public final class OutputFile {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let bufferLimit = 1 << 20
    private var compressor: OpaquePointer?
    private var compressed: UnsafeMutableRawBufferPointer?
    private var closed = false
    private var isStandardOutput = false

    /// Creates (or truncates) `path` with mode 0600. `compression` is `.none` or `.zstd`.
    public init(path: String, compression: Compression = .none, level: Int32 = 3) throws {
        self.path = path
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard opened >= 0 else {
            throw GuestPipeError(.io, "cannot create output: \(String(cString: strerror(errno)))",
                                 fix: "check that the output directory exists and is writable", at: SourceLocation(file: path))
        }
        fchmod(opened, 0o600)
        fd = opened
        buffer.reserveCapacity(bufferLimit + 4096)
        switch compression {
        case .zstd:
            guard let context = ZSTD_createCCtx() else {
                Glibc.close(opened)
                throw GuestPipeError(.io, "out of memory creating a zstd encoder", at: SourceLocation(file: path))
            }
            ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
            ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
            compressor = context
            compressed = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        case .gzip:
            Glibc.close(opened)
            throw GuestPipeError(.usage, "gzip output is not supported", fix: "use zstd or none", at: SourceLocation(file: path))
        case .none:
            break
        }
    }

    /// Standard output, buffered; `close()` flushes it and leaves it open.
    public init(standardOutput: Void) {
        path = "standard output"
        fd = 1
        isStandardOutput = true
        buffer.reserveCapacity(bufferLimit + 4096)
    }

    deinit {
        if !closed && !isStandardOutput { Glibc.close(fd) }
        if let compressor { ZSTD_freeCCtx(compressor) }
        compressed?.deallocate()
    }

    /// Appends text.
    public func write(_ text: String) throws {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= bufferLimit { try flushBuffer(end: false) }
    }

    /// Appends bytes.
    public func write(bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= bufferLimit { try flushBuffer(end: false) }
    }

    /// Flushes, ends the zstd frame, syncs and closes.
    public func close() throws {
        guard !closed else { return }
        try flushBuffer(end: true)
        closed = true
        if isStandardOutput { return }
        fsync(fd)
        if Glibc.close(fd) != 0 {
            throw GuestPipeError(.io, "closing the output failed: \(String(cString: strerror(errno)))", at: SourceLocation(file: path))
        }
    }

    private func flushBuffer(end: Bool) throws {
        if let compressor, let compressed {
            try buffer.withUnsafeBytes { raw in
                var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
                while true {
                    var output = ZSTD_outBuffer(dst: compressed.baseAddress, size: compressed.count, pos: 0)
                    let remaining = ZSTD_compressStream2(compressor, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue)
                    if ZSTD_isError(remaining) != 0 {
                        throw GuestPipeError(.io, "zstd compression failed: \(String(cString: ZSTD_getErrorName(remaining)))",
                                             at: SourceLocation(file: path))
                    }
                    try writeAll(UnsafeRawBufferPointer(start: compressed.baseAddress, count: output.pos))
                    if end ? remaining == 0 : input.pos == input.size { break }
                }
            }
        } else {
            try buffer.withUnsafeBytes { try writeAll($0) }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw GuestPipeError(.outputClosed, "the reader of the output went away", at: SourceLocation(file: path)) }
                throw GuestPipeError(.io, "writing failed: \(String(cString: strerror(errno)))",
                                     fix: "check free disk space and permissions", at: SourceLocation(file: path))
            }
            offset += written
        }
    }
}
