import Foundation
import GuestPipeCore
import Reports

/// Whether an input is new, changed, unchanged or missing against the state's ledger of files.
public struct InputStatus {
    public enum Status: String { case new, changed, unchanged, missing }

    public var path: String
    public var status: Status
    public var stored: StoredFile?
    public var size: Int64?
    public var modified: Int64?
    public var hash: String?

    /// Same path, size and modification time: unchanged without reading (under `rebuild`, read
    /// again but not hashed again); otherwise the content hash decides. Files the state knows but the inputs lack are missing. Paths are compared
    /// by their canonical spelling (`canonical`), and a file the state knows keeps the spelling
    /// it was stored under: a cron job that names `/data/inbox` and a person who runs from
    /// `/data` with `inbox` mean the same exports.
    static func classify(files: [String], stored: [StoredFile], rebuild: Bool, reportOnly: Bool) throws -> [InputStatus] {
        let known = Dictionary(stored.map { (canonical($0.path), $0) }, uniquingKeysWith: { first, _ in first })
        var result: [InputStatus] = []
        var seen: Set<String> = []
        for given in files {
            let key = canonical(given)
            guard seen.insert(key).inserted else { continue }
            let path = known[key]?.path ?? given
            try requireRegularFile(path)
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            let modified = Int64(((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1_000_000_000)
            var status = InputStatus(path: path, status: .new, stored: known[key], size: size, modified: modified, hash: nil)
            if let previous = known[key] {
                if previous.size == size, previous.modified == modified {
                    // A rebuild reads it again all the same; its content hash is the stored one.
                    status.status = rebuild ? .changed : .unchanged
                    status.hash = previous.contentHash
                } else {
                    let hash = try Hashing.sha256Hex(file: path)
                    status.hash = hash
                    status.status = hash == previous.contentHash && !rebuild ? .unchanged : .changed
                }
            } else {
                status.hash = try Hashing.sha256Hex(file: path)
            }
            result.append(status)
        }
        for file in stored where !seen.contains(canonical(file.path)) {
            result.append(InputStatus(path: file.path, status: reportOnly ? .unchanged : .missing, stored: file,
                                      size: file.size, modified: file.modified, hash: file.contentHash))
        }
        return result
    }

    /// A path's canonical spelling: absolute (against the current folder), without `.` and `..`
    /// parts and repeated slashes. Symbolic links are not followed: a link names its own file.
    static func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    /// A state remembers each export by its content hash and keeps reading it on later runs:
    /// a stream (standard input, a FIFO, a device) has no content to hash without consuming
    /// it, and hashing `/dev/zero` would never end.
    static func requireRegularFile(_ path: String) throws {
        var info = stat()
        let isRegular = path != "-" && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        guard isRegular else {
            throw GuestPipeError(.usage, "a run with a state reads regular files only; this input is a stream or a device",
                                 fix: "save the export to a file first, or run without --state (an ad-hoc run reads streams)",
                                 at: SourceLocation(file: path))
        }
    }
}
