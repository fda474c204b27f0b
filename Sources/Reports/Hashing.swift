import Crypto
import Foundation
import GuestPipeCore

/// SHA-256 of files and bytes (swift-crypto), for content hashes and manifests.
public enum Hashing {
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Streams a file through SHA-256.
    public static func sha256Hex(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw GuestPipeError(.noInput, "cannot open the file to hash it", at: SourceLocation(file: path))
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
