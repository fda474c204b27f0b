import Dispatch
import Foundation
import GuestPipeCore

/// Files and folders a command writes before publishing them (staging folders, staged files).
/// They are registered while they exist, so that an interrupted command (Ctrl-C, `kill`, a
/// closed pipe) removes them before it exits; a command killed outright (SIGKILL) leaves them
/// for the next run, which removes those whose process is gone.
public enum ScratchPaths {
    /// The registered paths and the signal sources. @unchecked Sendable: only touched under `lock`.
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var paths: Set<String> = []
        var sources: [DispatchSourceSignal] = []
    }
    private static let registry = Registry()

    public static func register(_ path: String) {
        registry.lock.lock()
        registry.paths.insert(path)
        registry.lock.unlock()
    }

    public static func unregister(_ path: String) {
        registry.lock.lock()
        registry.paths.remove(path)
        registry.lock.unlock()
    }

    /// Removes everything registered (on the way out of an interrupted command).
    public static func removeAll() {
        registry.lock.lock()
        let all = registry.paths
        registry.paths.removeAll()
        registry.lock.unlock()
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
            registry.lock.lock()
            registry.sources.append(source)
            registry.lock.unlock()
        }
    }

    /// Whether the process that made a scratch name `…-<pid>-…` is gone.
    public static func ownerIsGone(_ pid: Int32) -> Bool {
        pid > 0 && kill(pid, 0) != 0 && errno == ESRCH
    }
}
