import Codecs
import CPlatform
import Foundation
import GuestPipeCore
import Reports

/// Publishes a run's outputs as one set: everything is written into a sibling staging folder
/// (0700), which then replaces the output folder in one atomic step (renameat2 with
/// RENAME_EXCHANGE), so a reader never sees old and new files mixed and a crash leaves the
/// previous outputs.
///
/// Only a folder guestpipe owns is ever replaced: every published folder carries the marker
/// file `.guestpipe-output`; an existing `--out` must be empty, carry the marker, or (written
/// by an older guestpipe) hold nothing but guestpipe's own output names. A symlinked `--out`
/// publishes into the folder it points to and stays a symlink.
public final class Publisher {
    public let target: String
    public let staging: String
    private var published = false

    /// The file that marks a folder as guestpipe's outputs.
    public static let markerName = ".guestpipe-output"
    /// What outputs of guestpipe before the marker held: such a folder is guestpipe's too.
    static let legacyOutputNames: Set<String> = OutputRegistry.allFileNames.union(["manifest.json"])

    /// Creates the staging folder next to `target`, after checking that `target` may be replaced.
    public init(target: String) throws {
        var url = URL(fileURLWithPath: target).standardizedFileURL
        if let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
            url = URL(fileURLWithPath: destination, relativeTo: url.deletingLastPathComponent()).standardizedFileURL.resolvingSymlinksInPath()
        }
        self.target = url.path
        let parent = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: nil)
        } catch {
            throw GuestPipeError(.io, "cannot create the folder for the outputs", fix: "check that \(parent) can be a folder and is writable",
                                 at: SourceLocation(file: self.target))
        }
        Publisher.removeAbandonedStaging(parent: parent, name: url.lastPathComponent)
        try Publisher.checkReplaceable(self.target)
        staging = parent + "/." + url.lastPathComponent + ".staging-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            ScratchPaths.register(staging)
            let marker = try OutputFile(path: staging + "/" + Publisher.markerName)
            try marker.write("This folder holds guestpipe outputs; guestpipe replaces it as a whole on every run.\n")
            try marker.close()
        } catch {
            throw GuestPipeError(.io, "cannot create the staging folder", fix: "check that \(parent) is writable",
                                 at: SourceLocation(file: staging))
        }
    }

    /// Refuses to replace anything but an empty folder or guestpipe's own outputs.
    static func checkReplaceable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        let refuse = { (why: String) in
            GuestPipeError(.usage, "the output folder \(why); guestpipe replaces its output folder as a whole, so it never takes one it did not write",
                           fix: "choose a new or empty folder for --out", at: SourceLocation(file: path))
        }
        guard isDirectory.boolValue else { throw refuse("is a file, not a folder") }
        let contents: [String]
        do {
            contents = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw GuestPipeError(.io, "cannot read the output folder", fix: "check its permissions", at: SourceLocation(file: path))
        }
        if contents.isEmpty || contents.contains(markerName) { return }
        let legacy = contents.contains("summary.json") && contents.allSatisfy { name in
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isFolder)
            return !isFolder.boolValue && legacyOutputNames.contains(name)
        }
        if !legacy { throw refuse("holds files guestpipe did not write") }
    }

    /// Refuses inputs and a state that live inside the output folder: publishing replaces it.
    public static func checkOutside(_ target: String, inputs: [String], state: String?) throws {
        let root = URL(fileURLWithPath: target).standardizedFileURL.resolvingSymlinksInPath().path
        for path in inputs + (state.map { [$0] } ?? []) where path != "-" {
            let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if resolved == root || resolved.hasPrefix(root + "/") {
                throw GuestPipeError(.usage, "\(path == state ? "the state folder" : "an input") is inside the output folder, which every run replaces as a whole",
                                     fix: "keep exports and the state outside --out", at: SourceLocation(file: path))
            }
        }
    }

    deinit {
        if !published { try? FileManager.default.removeItem(atPath: staging) }
        ScratchPaths.unregister(staging)
    }

    /// A run killed while staging leaves its staging folder behind; the next run removes those
    /// whose process is gone.
    static func removeAbandonedStaging(parent: String, name: String) {
        let prefix = "." + name + ".staging-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count).prefix { $0 != "-" }) else { continue }
            if ScratchPaths.ownerIsGone(pid) {
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
            ScratchPaths.unregister(staging)
        } else {
            guard rename(staging, target) == 0 else {
                throw GuestPipeError(.io, "cannot move the outputs into place: \(String(cString: strerror(errno)))",
                                     at: SourceLocation(file: target))
            }
            published = true
            ScratchPaths.unregister(staging)
        }
        chmod(target, 0o700)
    }
}
