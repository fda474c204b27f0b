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

    private static var progressShown = false
    private static var lastProgress: Double = 0

    /// Shows (overwrites) one progress line on a terminal, at most a few times a second.
    static func progress(_ text: String) {
        guard isInteractive else { return }
        let now = Date().timeIntervalSince1970
        guard now - lastProgress > 0.2 else { return }
        lastProgress = now
        var line = "\r\u{1B}[2K" + text
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        progressShown = true
    }

    static func clearProgress() {
        guard progressShown else { return }
        progressShown = false
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
