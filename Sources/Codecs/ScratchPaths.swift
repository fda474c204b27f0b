import Dispatch
import Foundation
import GuestPipeCore

/// Files and folders a command writes before publishing them (staging folders, staged files).
/// They are registered while they exist, so that an interrupted command (Ctrl-C, `kill`, a
/// closed pipe) removes them before it exits; a command killed outright (SIGKILL) leaves them
/// for the next run, which removes those whose process is gone.
public enum ScratchPaths {
    private static let lock = NSLock()
    private nonisolated(unsafe) static var paths: Set<String> = []
    private nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []

    public static func register(_ path: String) {
        lock.lock()
        paths.insert(path)
        lock.unlock()
    }

    public static func unregister(_ path: String) {
        lock.lock()
        paths.remove(path)
        lock.unlock()
    }

    /// Removes everything registered (on the way out of an interrupted command).
    public static func removeAll() {
        lock.lock()
        let all = paths
        paths.removeAll()
        lock.unlock()
        for path in all { try? FileManager.default.removeItem(atPath: path) }
    }

    /// SIGINT, SIGTERM and SIGHUP remove the registered paths and exit with 128 + the signal;
    /// SIGPIPE is ignored, so a write to a closed pipe fails with EPIPE and the command ends
    /// through its ordinary error path (`GuestPipeError.Code.outputClosed`).
    public static func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "guestpipe.signals")
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                removeAll()
                _exit(128 + number)
            }
            source.resume()
            lock.lock()
            sources.append(source)
            lock.unlock()
        }
    }

    /// Whether the process that made a scratch name `…-<pid>-…` is gone.
    public static func ownerIsGone(_ pid: Int32) -> Bool {
        pid > 0 && kill(pid, 0) != 0 && errno == ESRCH
    }
}
