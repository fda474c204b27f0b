import Codecs
import Foundation
import GuestPipeCore
#if canImport(Glibc)
import Glibc
#endif

/// A file written under a hidden temporary name beside its final path and renamed into place
/// only when complete. The name carries the process id: an interrupted command removes it
/// (`ScratchPaths`), and one killed outright leaves it for the next command to remove.
public final class StagedFile {
    public let path: String
    private let finalPath: String
    private var published = false

    public init(finalPath: String) throws {
        self.finalPath = finalPath
        let parent = (finalPath as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        let prefix = ".guestpipe-staging-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where entry.hasPrefix(prefix) {
            if let pid = Int32(entry.dropFirst(prefix.count).prefix { $0 != "-" }), ScratchPaths.ownerIsGone(pid) {
                try? FileManager.default.removeItem(atPath: directory + "/" + entry)
            }
        }
        var template = Array((directory + "/" + prefix + "\(getpid())-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw GuestPipeError(.io, "cannot create a staging file beside the output", fix: "check that the folder exists and is writable",
                                 at: SourceLocation(file: directory))
        }
        close(fd)
        path = String(cString: template)
        ScratchPaths.register(path)
    }

    deinit {
        if !published { unlink(path) }
        ScratchPaths.unregister(path)
    }

    public func publish() throws {
        guard rename(path, finalPath) == 0 else {
            throw GuestPipeError(.io, "cannot move the output into place: \(String(cString: strerror(errno)))", at: SourceLocation(file: finalPath))
        }
        published = true
    }
}
