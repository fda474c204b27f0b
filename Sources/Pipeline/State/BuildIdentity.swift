import Foundation
import Reports

/// Which guestpipe build is running: the SHA-256 of its own executable. Archives record the
/// build that wrote them; the same build encodes the same export into the same bytes, so a
/// rebuild by it may keep them. Any other build (another version, another compile) encodes
/// again. Empty when the executable cannot be read: then nothing is kept.
enum BuildIdentity {
    static let current: String = (try? Hashing.sha256Hex(file: "/proc/self/exe")) ?? ""
}
