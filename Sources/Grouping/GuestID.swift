import Crypto
import Foundation

/// Guest ids: `gcus_` + 24 characters of base32 of an HMAC-SHA-256 of the guest's anchor
/// identifier, so no email, phone or fingerprint can be read back from an id, and the same
/// anchor and key always give the same id.
public struct GuestIDGenerator {
    /// HMAC state with the key already absorbed; copied per id instead of re-keying each time.
    private let keyed: HMAC<SHA256>

    /// `keyBytes` is the secret (at least 16 bytes).
    public init(keyBytes: [UInt8]) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: keyBytes))
    }

    public func id(forAnchor anchor: String) -> String {
        var hmac = keyed
        var text = anchor
        text.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        let mac = hmac.finalize()
        // Written straight into the string's storage: one allocation per id, not four.
        return mac.withUnsafeBytes { digest in
            String(unsafeUninitializedCapacity: 29) { output in
                for (offset, byte) in "gcus_".utf8.enumerated() { output[offset] = byte }
                return 5 + Base32.encode(UnsafeRawBufferPointer(rebasing: digest[0..<15]), into: UnsafeMutableBufferPointer(rebasing: output[5...]))
            }
        }
    }

    /// A short fingerprint of the key, safe to record (it reveals nothing usable).
    public static func fingerprint(ofKey keyBytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: Data("guestpipe key fingerprint".utf8) + Data(keyBytes))
        return digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}

/// RFC 4648 base32, lower case, no padding.
enum Base32 {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        let characters = (bytes.count * 8 + 4) / 5
        return bytes.withUnsafeBytes { input in
            String(unsafeUninitializedCapacity: characters) { encode(input, into: $0) }
        }
    }

    /// Writes the encoding of `bytes` into `output` (room for ⌈8·count/5⌉ characters) and
    /// returns the characters written.
    static func encode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var written = 0
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output[written] = alphabet[Int(buffer >> UInt32(bits - 5) & 31)]
                written += 1
                bits -= 5
            }
        }
        if bits > 0 {
            output[written] = alphabet[Int(buffer << UInt32(5 - bits) & 31)]
            written += 1
        }
        return written
    }
}
