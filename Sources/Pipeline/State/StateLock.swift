import Foundation
import GuestPipeCore
#if canImport(Glibc)
import Glibc
#endif

/// One run per state at a time: an exclusive `flock` on `STATE/lock`, which the kernel releases
/// when the holder dies (so a dead run's lock is taken over). The file names the holder.
public final class StateLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock, waiting up to `wait` seconds; a held lock is exit 75 with the holder's pid
    /// and start time.
    public init(directory: String, wait: Double) throws {
        path = directory + "/lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw GuestPipeError(.io, "cannot open the state lock: \(String(cString: strerror(errno)))", at: SourceLocation(file: path))
        }
        let deadline = Date().addingTimeInterval(wait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if Date() >= deadline {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingASCIIWhitespace() ?? ""
                close(fd)
                throw GuestPipeError(.locked, "another guestpipe run holds the state (\(holder.isEmpty ? "holder unknown" : holder))",
                                     fix: "let it finish, or pass --wait SECONDS to wait for it", at: SourceLocation(file: path))
            }
            usleep(100_000)
        }
        ftruncate(fd, 0)
        let note = "pid \(getpid()) since \(UTCTime.formatISO(Int64(Date().timeIntervalSince1970)))\n"
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
