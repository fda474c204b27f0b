import CZlib
import CZstd
import GuestPipeCore

/// How an input is compressed. Chosen from the first bytes (magic numbers), not the name.
public enum Compression: String, Sendable, CaseIterable {
    case none, zstd, gzip

    /// The compression a file name's suffix promises, if any.
    public static func fromSuffix(_ path: String) -> Compression? {
        let lower = path.lowercased()
        if lower.hasSuffix(".zst") || lower.hasSuffix(".zstd") { return .zstd }
        if lower.hasSuffix(".gz") || lower.hasSuffix(".gzip") { return .gzip }
        return nil
    }

    /// The compression the first bytes announce; `.none` when they announce none.
    public static func sniff(_ head: [UInt8]) -> Compression {
        if head.count >= 4 {
            let magic = UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24
            if magic == 0xFD2F_B528 || magic & 0xFFFF_FFF0 == 0x184D_2A50 { return .zstd }
        }
        if head.count >= 2, head[0] == 0x1F, head[1] == 0x8B { return .gzip }
        return .none
    }
}

/// A decompressed view of an input, whatever its compression, with what was learnt on the way.
public final class DecompressingSource: ByteSource {
    public let compression: Compression
    /// zstd frames (skippable ones included) or gzip members completed so far.
    public var frames: Int { decoder.frames }
    private let decoder: FrameDecoder

    /// Opens a raw source, sniffs its magic bytes and picks the decoder. `name` is used in
    /// errors; a name that promises compression the bytes do not have is an error.
    public init(_ raw: ByteSource, name: String) throws {
        var head = [UInt8](repeating: 0, count: 4)
        var filled = 0
        while filled < 4 {
            let count = try head.withUnsafeMutableBytes { buffer in
                try raw.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            if count == 0 { break }
            filled += count
        }
        head.removeLast(4 - filled)
        let detected = Compression.sniff(head)
        if let promised = Compression.fromSuffix(name), promised != detected {
            throw GuestPipeError(.corruptInput,
                                 "the name says \(promised.rawValue) but the content does not start with a \(promised.rawValue) header",
                                 fix: "the file is damaged or misnamed; export it again or rename it",
                                 at: SourceLocation(file: name))
        }
        compression = detected
        let source = PrefixedByteSource(prefix: head, rest: raw)
        switch detected {
        case .none: decoder = PlainDecoder(source)
        case .zstd: decoder = try ZstdDecoder(source, name: name)
        case .gzip: decoder = try GzipDecoder(source, name: name)
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try decoder.read(into: buffer)
    }
}

class FrameDecoder: ByteSource {
    var frames = 0
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { 0 }
}

final class PlainDecoder: FrameDecoder {
    private let source: ByteSource
    init(_ source: ByteSource) { self.source = source }
    override func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try source.read(into: buffer)
    }
}

/// Streaming zstd decompression. The end of the input while libzstd still expects bytes of a
/// frame (its checksum, a block) is a truncated file, not a clean end.
final class ZstdDecoder: FrameDecoder {
    private let source: ByteSource
    private let name: String
    private let context: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private var inputSize = 0
    private var inputPosition = 0
    private var endOfInput = false
    private var frameOpen = false

    init(_ source: ByteSource, name: String) throws {
        self.source = source
        self.name = name
        guard let context = ZSTD_createDCtx() else {
            throw GuestPipeError(.io, "out of memory creating a zstd decoder", at: SourceLocation(file: name))
        }
        self.context = context
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_DStreamInSize() * 4, alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(context)
        input.deallocate()
    }

    override func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if inputPosition == inputSize, !endOfInput {
                inputSize = try fill(input, from: source)
                inputPosition = 0
                if inputSize < input.count { endOfInput = true }
            }
            var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: inputSize, pos: inputPosition)
            var outBuffer = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
            if ZSTD_isError(result) != 0 {
                let reason = String(cString: ZSTD_getErrorName(result))
                throw GuestPipeError(.corruptInput, "corrupt zstd data (\(reason)) after frame \(frames)",
                                     fix: "the file is damaged; fetch or export it again", at: SourceLocation(file: name))
            }
            let consumed = inBuffer.pos - inputPosition
            inputPosition = inBuffer.pos
            if consumed > 0 || outBuffer.pos > 0 { frameOpen = true }
            if result == 0, frameOpen {
                frames += 1
                frameOpen = false
            }
            if outBuffer.pos > 0 { return outBuffer.pos }
            if endOfInput, inputPosition == inputSize {
                if frameOpen {
                    throw GuestPipeError(.corruptInput, "the zstd data ends in the middle of frame \(frames + 1) (truncated file)",
                                         fix: "the file was cut short; copy or export it again", at: SourceLocation(file: name))
                }
                return 0
            }
        }
    }
}

/// Streaming gzip decompression through zlib, several members back to back.
final class GzipDecoder: FrameDecoder {
    private let source: ByteSource
    private let name: String
    private var stream = z_stream()
    private let input: UnsafeMutableRawBufferPointer
    private var endOfInput = false
    private var memberOpen = false

    init(_ source: ByteSource, name: String) throws {
        self.source = source
        self.name = name
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        let status = inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate()
            throw GuestPipeError(.io, "cannot start the gzip decoder (zlib status \(status))", at: SourceLocation(file: name))
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    override func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if stream.avail_in == 0, !endOfInput {
                let count = try fill(input, from: source)
                stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(count)
                if count < input.count { endOfInput = true }
            }
            if stream.avail_in == 0, endOfInput {
                if memberOpen {
                    throw GuestPipeError(.corruptInput, "the gzip data ends in the middle of member \(frames + 1) (truncated file)",
                                         fix: "the file was cut short; copy or export it again", at: SourceLocation(file: name))
                }
                return 0
            }
            stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(buffer.count)
            memberOpen = true
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = buffer.count - Int(stream.avail_out)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                frames += 1
                memberOpen = false
                inflateReset(&stream)
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw GuestPipeError(.corruptInput, "corrupt gzip data (\(reason)) in member \(frames + 1)",
                                     fix: "the file is damaged; fetch or export it again", at: SourceLocation(file: name))
            }
            if produced > 0 { return produced }
        }
    }
}

/// Reads until `buffer` is full or the source ends, so that decoders see large, whole pieces
/// however the source hands out bytes (libzstd 1.5.4 misreads at least one valid frame when its
/// header arrives split across calls). Returns the bytes read; fewer than the buffer's size
/// means the source has ended.
func fill(_ buffer: UnsafeMutableRawBufferPointer, from source: ByteSource) throws -> Int {
    var filled = 0
    while filled < buffer.count {
        let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
        if count == 0 { break }
        filled += count
    }
    return filled
}
