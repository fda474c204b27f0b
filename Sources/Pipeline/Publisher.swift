import CPlatform
import Foundation
import GuestPipeCore

/// Publishes a run's outputs as one set: everything is written into a sibling staging folder
/// (0700), which then replaces the output folder in one atomic step (renameat2 with
/// RENAME_EXCHANGE), so a reader never sees old and new files mixed and a crash leaves the
/// previous outputs.
public final class Publisher {
    public let target: String
    public let staging: String
    private var published = false

    /// Creates the staging folder next to `target`. Refuses a non-empty target that guestpipe
    /// did not write (no `summary.json`), so an output folder never eats someone's files.
    public init(target: String) throws {
        let url = URL(fileURLWithPath: target).standardizedFileURL
        self.target = url.path
        let parent = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: nil)
        } catch {
            throw GuestPipeError(.io, "cannot create the folder for the outputs", fix: "check that \(parent) can be a folder and is writable",
                                 at: SourceLocation(file: self.target))
        }
        Publisher.removeAbandonedStaging(parent: parent, name: url.lastPathComponent)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: self.target, isDirectory: &isDirectory) {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: self.target)) ?? []
            guard isDirectory.boolValue, contents.isEmpty || contents.contains("summary.json") else {
                throw GuestPipeError(.usage, "the output folder exists and was not written by guestpipe",
                                     fix: "choose an empty or new folder for --out; guestpipe replaces the whole folder",
                                     at: SourceLocation(file: self.target))
            }
        }
        staging = parent + "/." + url.lastPathComponent + ".staging-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw GuestPipeError(.io, "cannot create the staging folder", fix: "check that \(parent) is writable",
                                 at: SourceLocation(file: staging))
        }
    }

    deinit {
        if !published { try? FileManager.default.removeItem(atPath: staging) }
    }

    /// A run killed while staging leaves its staging folder behind; the next run removes those
    /// whose process is gone.
    static func removeAbandonedStaging(parent: String, name: String) {
        let prefix = "." + name + ".staging-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count).prefix { $0 != "-" }) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: parent + "/" + entry)
            }
        }
    }

    /// Swaps the staging folder in; the previous outputs are removed afterwards.
    public func publish() throws {
        if FileManager.default.fileExists(atPath: target) {
            guard gp_rename_exchange(staging, target) == 0 else {
                throw GuestPipeError(.io, "cannot swap the new outputs in: \(String(cString: strerror(errno)))",
                                     fix: "the previous outputs are untouched; check the file system supports renameat2",
                                     at: SourceLocation(file: target))
            }
            published = true
            try? FileManager.default.removeItem(atPath: staging)
        } else {
            guard rename(staging, target) == 0 else {
                throw GuestPipeError(.io, "cannot move the outputs into place: \(String(cString: strerror(errno)))",
                                     at: SourceLocation(file: target))
            }
            published = true
        }
        chmod(target, 0o700)
    }
}
