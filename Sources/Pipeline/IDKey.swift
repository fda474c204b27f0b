import Foundation
import GuestPipeCore
import Grouping

/// The secret behind guest ids. Never built in: from `--id-key-file`, the environment
/// (`GUESTPIPE_ID_KEY`), or for ad-hoc runs a per-user key file created on first use.
public struct IDKey {
    public enum Source: String { case file, environment, userConfig = "user-config", state }

    public let bytes: [UInt8]
    public let source: Source
    /// The key file, when the key came from one.
    public let path: String?
    /// True when this run created the per-user key file.
    public let created: Bool

    public var fingerprint: String { GuestIDGenerator.fingerprint(ofKey: bytes) }

    public static let environmentVariable = "GUESTPIPE_ID_KEY"

    /// Loads the key the way guests.md orders the sources.
    /// With `stateDirectory` (a stateful run) the fallback is `STATE/id-key`, created on first use.
    public static func load(file: String?, stateDirectory: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> IDKey {
        if let file {
            return IDKey(bytes: try read(file), source: .file, path: file, created: false)
        }
        if let value = environment[environmentVariable], !value.isEmpty {
            let bytes = Array(value.utf8)
            guard bytes.count >= 16 else {
                throw GuestPipeError(.configuration, "\(environmentVariable) is shorter than 16 characters",
                                     fix: "use a long random value, e.g. the output of: head -c 32 /dev/urandom | xxd -p -c 64")
            }
            return IDKey(bytes: bytes, source: .environment, path: nil, created: false)
        }
        if let stateDirectory {
            let path = stateDirectory + "/id-key"
            if FileManager.default.fileExists(atPath: path) {
                return IDKey(bytes: try read(path), source: .state, path: path, created: false)
            }
            try createKeyFile(at: path, directory: stateDirectory)
            return IDKey(bytes: try read(path), source: .state, path: path, created: true)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let configDirectory = (environment["XDG_CONFIG_HOME"].map { $0.isEmpty ? nil : $0 } ?? nil) ?? (home + "/.config")
        let directory = configDirectory + "/guestpipe"
        let path = directory + "/id-key"
        if FileManager.default.fileExists(atPath: path) {
            return IDKey(bytes: try read(path), source: .userConfig, path: path, created: false)
        }
        try createKeyFile(at: path, directory: directory)
        return IDKey(bytes: try read(path), source: .userConfig, path: path, created: true)
    }

    /// Writes a new random key (64 hex characters) owner-only; the directory is made 0700.
    public static func createKeyFile(at path: String, directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            var generator = SystemRandomNumberGenerator()
            let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission) }
            defer { close(fd) }
            let text = hex + "\n"
            _ = text.withCString { write(fd, $0, strlen($0)) }
        } catch {
            throw GuestPipeError(.io, "cannot create the guest-id key file", fix: "check that \(directory) is writable, or pass --id-key-file",
                                 at: SourceLocation(file: path))
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GuestPipeError(.configuration, "cannot read the guest-id key file", fix: "check the path and its permissions",
                                 at: SourceLocation(file: path))
        }
        let text = String(decoding: data, as: UTF8.self).trimmingASCIIWhitespace()
        guard text.utf8.count >= 16 else {
            throw GuestPipeError(.configuration, "the guest-id key file holds fewer than 16 characters",
                                 fix: "put a long random value in it, e.g.: head -c 32 /dev/urandom | xxd -p -c 64 > FILE",
                                 at: SourceLocation(file: path))
        }
        return Array(text.utf8)
    }
}
