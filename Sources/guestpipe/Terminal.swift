import Foundation
import GuestPipeCore
#if canImport(Glibc)
import Glibc
#endif

/// Writing to the terminal: messages on stderr, a progress line only when stderr is a terminal
/// (silent under cron).
enum Terminal {
    static let isInteractive = isatty(2) == 1

    static func error(_ text: String) { writeStderr("guestpipe: error: \(text)\n") }
    static func warning(_ text: String) { writeStderr("guestpipe: warning: \(text)\n") }

    static func writeStderr(_ text: String) {
        clearProgress()
        var text = text
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }

    static func writeStdout(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    private static let progressLine = ProgressLine()

    /// Shows (overwrites) one progress line on a terminal, at most a few times a second. Safe
    /// to call from any thread (the readers report from theirs).
    static func progress(_ text: String) {
        guard isInteractive else { return }
        progressLine.show(text)
    }

    static func clearProgress() { progressLine.clear() }
}

/// The terminal's progress line. @unchecked Sendable: its state is only touched under `lock`.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var shown = false
    private var last: Double = 0

    func show(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date().timeIntervalSince1970
        guard now - last > 0.2 else { return }
        last = now
        var line = "\r\u{1B}[2K" + text
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        shown = true
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        guard shown else { return }
        shown = false
        var line = "\r\u{1B}[2K"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// Formats counts and rates for people.
enum Human {
    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1000, unit < units.count - 1 { amount /= 1000; unit += 1 }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", amount, units[unit])
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
}
