import CZstd
import GuestPipeCore

/// Whole-buffer zstd, for state archives (small enough to hold in memory, large enough that
/// compression pays).
public enum ZstdBuffer {
    public static func compress(_ bytes: [UInt8], level: Int32 = 3) throws -> [UInt8] {
        let bound = ZSTD_compressBound(bytes.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { input in
                ZSTD_compress(out.baseAddress, bound, input.baseAddress, input.count, level)
            }
        }
        if ZSTD_isError(written) != 0 {
            throw GuestPipeError(.io, "zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        output.removeLast(bound - written)
        return output
    }

    /// Decompresses one whole buffer (several frames allowed), verifying its end.
    public static func decompress(_ bytes: [UInt8], name: String) throws -> [UInt8] {
        let source = try DecompressingSource(MemoryByteSource(bytes), name: name)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 4)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            output.append(contentsOf: buffer[0..<count])
        }
        return output
    }
}
