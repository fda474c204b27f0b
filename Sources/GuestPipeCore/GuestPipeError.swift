/// An error written for the person running the job: what happened, where, and how to fix it.
/// Messages never carry emails, phone numbers or card numbers.
public struct GuestPipeError: Error, CustomStringConvertible, Sendable {
    /// Families of errors; each maps to an exit code a cron job can act on (sysexits.h).
    public enum Code: String, Sendable {
        /// A required column is missing or a header cannot be mapped.
        case missingColumn
        /// An input is truncated or corrupt (bad checksum, unfinished frame, bad CSV structure).
        case corruptInput
        /// Too many rows were rejected.
        case tooManyRejects
        /// An input path does not exist or matched nothing.
        case noInput
        /// Reading or writing failed.
        case io
        /// Wrong arguments or settings.
        case usage
        /// A pipeline file or setting is invalid.
        case configuration
        /// Another run holds the lock.
        case locked
        /// Standard output was closed by its reader (`guestpipe read … | head`): the command
        /// stops quietly, as a command killed by SIGPIPE would.
        case outputClosed

        /// The process exit status for this family.
        public var exitCode: Int32 {
            switch self {
            case .missingColumn, .corruptInput, .tooManyRejects: return 65
            case .noInput: return 66
            case .io: return 74
            case .usage: return 64
            case .configuration: return 78
            case .locked: return 75
            case .outputClosed: return 141
            }
        }
    }

    public var code: Code
    /// What happened, in one sentence.
    public var message: String
    /// How to fix it.
    public var fix: String?
    public var location: SourceLocation?

    public init(_ code: Code, _ message: String, fix: String? = nil, at location: SourceLocation? = nil) {
        self.code = code
        self.message = message
        self.fix = fix
        self.location = location
    }

    /// One line: where, what, and how to fix it.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += message
        if let fix { text += " — \(fix)" }
        return MessageText.escaped(text)
    }
}
