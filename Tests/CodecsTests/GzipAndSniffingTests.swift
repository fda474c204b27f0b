import Codecs
import Foundation
import GuestPipeCore
import GuestPipeTestSupport
import XCTest

final class GzipAndSniffingTests: XCTestCase {
    func gzip(_ text: String) throws -> [UInt8] {
        let directory = try TestPaths.temporaryDirectory("gz")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("x").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", path]
        try process.run()
        process.waitUntilExit()
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    }

    func testSeveralGzipMembersDecodeBackToBack() throws {
        let first = try gzip("id,Amount\n")
        let second = try gzip("ch_1,9.99\n")
        let source = try DecompressingSource(MemoryByteSource(first + second, chunkSizes: [5]), name: "x.csv.gz")
        XCTAssertEqual(source.compression, .gzip)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 7)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            output.append(contentsOf: buffer[0..<count])
        }
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "id,Amount\nch_1,9.99\n")
        XCTAssertEqual(source.frames, 2)
    }

    func testGzipCorruptionAndTruncationAreErrors() throws {
        var damaged = try gzip(String(repeating: "ch_1,9.99\n", count: 100))
        damaged[damaged.count - 6] ^= 0xFF  // inside the CRC-32
        XCTAssertThrowsError(try readAll(damaged, name: "d.csv.gz")) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code, .corruptInput)
        }
        let whole = try gzip(String(repeating: "ch_1,9.99\n", count: 100))
        XCTAssertThrowsError(try readAll(Array(whole.dropLast(3)), name: "t.csv.gz")) { error in
            XCTAssertTrue(String(describing: error).contains("truncated"))
        }
    }

    func testCompressionIsChosenByMagicBytesNotTheName() throws {
        let zst = try compress(Array("id\n".utf8))
        XCTAssertEqual(try DecompressingSource(MemoryByteSource(zst), name: "misnamed.csv").compression, .zstd)
        XCTAssertEqual(try readAll(zst, name: "misnamed.csv"), Array("id\n".utf8))
        XCTAssertEqual(try DecompressingSource(MemoryByteSource(try gzip("a\n")), name: "stdin").compression, .gzip)
        XCTAssertEqual(try DecompressingSource(MemoryByteSource(Array("id\n".utf8)), name: "plain.csv").compression, .none)
        XCTAssertEqual(try readAll([], name: "empty.csv"), [])
        // A name that promises compression the bytes do not have is an error, not a plain read.
        XCTAssertThrowsError(try DecompressingSource(MemoryByteSource(Array("id\n".utf8)), name: "x.csv.zst")) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code, .corruptInput)
        }
    }

    func readAll(_ bytes: [UInt8], name: String) throws -> [UInt8] {
        try decodeAll(bytes: bytes, name: name)
    }
}
