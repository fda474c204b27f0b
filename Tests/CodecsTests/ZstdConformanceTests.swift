import Codecs
import Foundation
import GuestPipeCore
import GuestPipeTestSupport
import XCTest

/// Decodes a whole file through the same path the reader uses.
func decodeAll(_ url: URL, chunkSizes: [Int] = []) throws -> [UInt8] {
    let bytes = try [UInt8](Data(contentsOf: url))
    return try decodeAll(bytes: bytes, name: url.lastPathComponent, chunkSizes: chunkSizes)
}

func decodeAll(bytes: [UInt8], name: String, chunkSizes: [Int] = []) throws -> [UInt8] {
    let source = try DecompressingSource(MemoryByteSource(bytes, chunkSizes: chunkSizes), name: name)
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        if count == 0 { break }
        output.append(contentsOf: buffer[0..<count])
    }
    return output
}

final class ZstdConformanceTests: XCTestCase {
    let klauspost = TestPaths.conformance.appendingPathComponent("zstd/klauspost-compress")
    let facebook = TestPaths.conformance.appendingPathComponent("zstd/facebook-zstd")

    func testEveryGoodFrameDecodesToItsExpectedBytes() throws {
        let good = klauspost.appendingPathComponent("good")
        let files = try TestPaths.files(in: good, suffix: ".zst")
        XCTAssertEqual(files.count, 12)
        for file in files {
            let expectedURL = file.deletingPathExtension()
            let decoded = try decodeAll(file)
            if FileManager.default.fileExists(atPath: expectedURL.path) {
                XCTAssertEqual(decoded, try [UInt8](Data(contentsOf: expectedURL)), file.lastPathComponent)
            } else {
                XCTAssertEqual(decoded, [], "\(file.lastPathComponent) has no expected file upstream and decodes to nothing")
            }
            // The same bytes whatever way the compressed input is split.
            XCTAssertEqual(try decodeAll(file, chunkSizes: [1]), decoded, "\(file.lastPathComponent) byte by byte")
            XCTAssertEqual(try decodeAll(file, chunkSizes: [3, 17, 5]), decoded, "\(file.lastPathComponent) in pieces")
        }
    }

    func testMultiFrameAndSkippableFramesAreCounted() throws {
        let many = try DecompressingSource(MemoryByteSource(try [UInt8](Data(contentsOf: klauspost.appendingPathComponent("good/frame_many.zst")))), name: "frame_many.zst")
        var buffer = [UInt8](repeating: 0, count: 1024)
        while try buffer.withUnsafeMutableBytes({ try many.read(into: $0) }) > 0 {}
        XCTAssertEqual(many.frames, 2)
        XCTAssertEqual(try decodeAll(klauspost.appendingPathComponent("good/frame_skip.zst")), Array("foo\n".utf8))
    }

    func testEveryBadFrameIsRejectedExceptTheGoSpecificOne() throws {
        let files = try TestPaths.files(in: klauspost.appendingPathComponent("bad"), suffix: ".zst")
        XCTAssertEqual(files.count, 32)
        // Accepted by the reference zstd CLI as well: a Go-decoder-specific case (conformance README).
        let goSpecific = "76671405460bb57ffd4a0079e8d380748e6c0697.zst"
        for file in files {
            if file.lastPathComponent == goSpecific {
                XCTAssertNoThrow(try decodeAll(file))
                continue
            }
            XCTAssertThrowsError(try decodeAll(file), file.lastPathComponent) { error in
                XCTAssertEqual((error as? GuestPipeError)?.code, .corruptInput, file.lastPathComponent)
            }
        }
    }

    func testTruncatedFramesAreErrorsNotCleanEnds() throws {
        for name in ["frame_nosum.zst", "block_nolast.zst", "frame_skip_nodata.zst", "frame_skip_nosize.zst", "frame_noheader.zst"] {
            XCTAssertThrowsError(try decodeAll(klauspost.appendingPathComponent("bad/\(name)")), name) { error in
                XCTAssertTrue(String(describing: error).contains(name))
            }
        }
        // Cutting any valid multi-byte frame short, even by its last checksum byte, is an error.
        let text = [UInt8](String(repeating: "id,Amount\nch_1,9.99\n", count: 500).utf8)
        let compressed = try compress(text)
        for cut in [1, 2, 4, compressed.count / 2] {
            XCTAssertThrowsError(try decodeAll(bytes: Array(compressed.dropLast(cut)), name: "cut.csv.zst"), "cut \(cut)")
        }
        XCTAssertEqual(try decodeAll(bytes: compressed, name: "whole.csv.zst"), text)
    }

    func testReferenceGoldenFiles() throws {
        let golden = facebook.appendingPathComponent("golden-decompression")
        XCTAssertEqual(try decodeAll(golden.appendingPathComponent("rle-first-block.zst")), [UInt8](repeating: 0, count: 1_048_576))
        XCTAssertEqual(try decodeAll(golden.appendingPathComponent("empty-block.zst")), [])
        XCTAssertEqual(try decodeAll(golden.appendingPathComponent("block-128k.zst")).count, 131_068)
        XCTAssertEqual(try decodeAll(klauspost.appendingPathComponent("large/Zeros-10MiB.zst")), [UInt8](repeating: 0, count: 10_485_760))
    }

    /// These outcomes depend on the libzstd version (fixed in 1.5.6; Debian 12 ships 1.5.4):
    /// the test states what the linked library does, so an upgrade is noticed, not hidden.
    func testLibraryVersionDependentCases() throws {
        let version = libzstdVersionNumber()
        let zeroSeq = facebook.appendingPathComponent("golden-decompression/zeroSeq_2B.zst")
        let errors = try TestPaths.files(in: facebook.appendingPathComponent("golden-decompression-errors"), suffix: ".zst")
        XCTAssertEqual(errors.count, 3)
        if version >= 10506 {
            XCTAssertEqual(try decodeAll(zeroSeq), [])
            for file in errors where file.lastPathComponent != "truncated_huff_state.zst" {
                XCTAssertThrowsError(try decodeAll(file), file.lastPathComponent)
            }
        } else {
            XCTAssertThrowsError(try decodeAll(zeroSeq), "libzstd \(version) rejects the valid zeroSeq_2B (errata: ≤ 1.5.5)")
            for file in errors {
                XCTAssertNoThrow(try decodeAll(file), "libzstd \(version) accepts \(file.lastPathComponent) (errata)")
            }
        }
    }

    func testGoldenCompressionInputsRoundTrip() throws {
        for file in try TestPaths.files(in: facebook.appendingPathComponent("golden-compression"), suffix: "") where !file.hasDirectoryPath {
            let original = try [UInt8](Data(contentsOf: file))
            XCTAssertEqual(try decodeAll(bytes: try compress(original), name: "x.zst"), original, file.lastPathComponent)
        }
    }
}

/// Compresses through `OutputFile`, the writer the outputs use.
func compress(_ bytes: [UInt8]) throws -> [UInt8] {
    let directory = try TestPaths.temporaryDirectory("zstd")
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("out.zst").path
    let file = try OutputFile(path: path, compression: .zstd)
    try bytes.withUnsafeBytes { try file.write(bytes: $0) }
    try file.close()
    return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}
