import Foundation
import GuestPipeCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Machine logs, only when asked (`--log-format json|text`, `--log-file`): one JSON object or
/// one readable line per event. Never contains emails, phones or card numbers: the pipeline
/// logs counts, paths and errors only.
struct LineLogHandler: LogHandler {
    let json: Bool
    let fd: Int32
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let all = metadata.merging(extra ?? [:]) { $1 }
        let time = UTCTime.formatISO(Int64(Date().timeIntervalSince1970))
        var text: String
        if json {
            var pairs: [(String, String)] = [("time", JSONText.quote(time)), ("level", JSONText.quote(level.rawValue)),
                                             ("message", JSONText.quote(CardNumberRedactor.redact(message.description)))]
            pairs += all.sorted { $0.key < $1.key }.map { ($0.key, JSONText.quote(CardNumberRedactor.redact("\($0.value)"))) }
            text = JSONText.object(pairs) + "\n"
        } else {
            text = "\(time) \(level.rawValue) \(CardNumberRedactor.redact(message.description))"
            for (key, value) in all.sorted(by: { $0.key < $1.key }) { text += " \(key)=\(value)" }
            text += "\n"
        }
        text.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
    }
}

enum Logs {
    /// A logger per the options: silent unless a format or file was asked for.
    /// An unusable `--log-file` is an error (exit 74), never a silent fall-back to stderr.
    static func make(_ options: SharedOptions) throws -> Logger {
        guard options.logFormat != nil || options.logFile != nil else {
            return Logger(label: "guestpipe", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        var fd: Int32 = 2
        if let path = options.logFile {
            let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard opened >= 0 else {
                throw GuestPipeError(.io, "cannot open the log file: \(String(cString: strerror(errno)))",
                                     fix: "name a writable file for --log-file", at: SourceLocation(file: path))
            }
            fd = opened
        }
        let json = (options.logFormat ?? .json) == .json
        return Logger(label: "guestpipe", factory: { _ in LineLogHandler(json: json, fd: fd) })
    }
}
