import GuestPipeCore
#if canImport(Glibc)
import Glibc
#endif

/// A stream of bytes read in chunks. `read` returns 0 only at the verified end of the input;
/// a truncated or corrupt input throws instead.
public protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads a file (or standard input for `-`) with plain `read(2)` calls.
public final class FileByteSource: ByteSource {
    public let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// Bytes read from the file so far (compressed size for compressed inputs).
    public private(set) var bytesRead: UInt64 = 0

    /// Opens `path` for reading; `-` is standard input.
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else {
                let code = errno
                throw GuestPipeError(code == ENOENT ? .noInput : .io,
                                     "cannot open input: \(String(cString: strerror(code)))",
                                     fix: code == ENOENT ? "check the path or glob" : "check the file's permissions",
                                     at: SourceLocation(file: path))
            }
            var info = stat()
            if fstat(opened, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                close(opened)
                throw GuestPipeError(.noInput, "input is a directory", fix: "name the export files, or a glob such as DIR/*.csv.zst",
                                     at: SourceLocation(file: path))
            }
            fd = opened
            ownsDescriptor = true
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 {
                bytesRead += UInt64(count)
                return count
            }
            if errno == EINTR { continue }
            throw GuestPipeError(.io, "read failed: \(String(cString: strerror(errno)))",
                                 fix: "check the disk and the file, then run again", at: SourceLocation(file: path))
        }
    }
}

/// Replays a few already-read bytes before the rest of a source (used after sniffing magic bytes).
final class PrefixedByteSource: ByteSource {
    private var prefix: [UInt8]
    private var prefixOffset = 0
    private let rest: ByteSource

    init(prefix: [UInt8], rest: ByteSource) {
        self.prefix = prefix
        self.rest = rest
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if prefixOffset < prefix.count {
            let count = min(buffer.count, prefix.count - prefixOffset)
            prefix.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + prefixOffset, byteCount: count)
            }
            prefixOffset += count
            return count
        }
        return try rest.read(into: buffer)
    }
}

/// An in-memory source, for tests and small inputs; `chunkSizes` makes it hand out bytes in
/// chosen pieces (byte by byte, random sizes) to check that readers do not depend on splits.
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private var chunkSizes: [Int]
    private var chunkIndex = 0

    public init(_ bytes: [UInt8], chunkSizes: [Int] = []) {
        self.bytes = bytes
        self.chunkSizes = chunkSizes.filter { $0 > 0 }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset < bytes.count else { return 0 }
        var count = min(buffer.count, bytes.count - offset)
        if !chunkSizes.isEmpty {
            count = min(count, chunkSizes[chunkIndex % chunkSizes.count])
            chunkIndex += 1
        }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}
