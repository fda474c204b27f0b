import Foundation
import Ingest
import Pipeline

// Fuzz targets for the two readers of untrusted bytes: the export reader (decompression, CSV,
// header mapping, payment decoding) and the state-archive decoder. Any input must end in
// payments, rejections or a thrown error: never a trap, a hang or unbounded memory.
//
// Built with `--sanitize=fuzzer` (scripts/fuzz renames this program's entry point, so
// libFuzzer's own main runs and calls `LLVMFuzzerTestOneInput`):
//   GUESTPIPE_FUZZ_TARGET=decoder|archive guestpipe-fuzz [libFuzzer options] [corpus folders]
// Any build (this entry point):
//   guestpipe-fuzz decoder|archive FILE|FOLDER...   replays the files through the target
//   guestpipe-fuzz seed-archive EXPORT OUT         writes a valid archive as a seed

@main
enum FuzzMain {
    static func main() throws {
        let arguments = CommandLine.arguments
        if arguments.count == 4, arguments[1] == "seed-archive" {
            let seed = try StateArchiveCheck.seed(from: arguments[2])
            guard FileManager.default.createFile(atPath: arguments[3], contents: Data(seed)) else { exit(74) }
            return
        }
        guard arguments.count >= 3, let target = FuzzTarget(rawValue: arguments[1]) else {
            FileHandle.standardError.write(Data("usage: guestpipe-fuzz decoder|archive FILE|FOLDER... | seed-archive EXPORT OUT\n".utf8))
            exit(64)
        }
        var count = 0
        for path in arguments.dropFirst(2) {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run([UInt8](data))
                count += 1
            }
        }
        print("replayed \(count) inputs through the \(target.rawValue) without a trap")
    }
}

/// libFuzzer's callback: one input through the target named by `GUESTPIPE_FUZZ_TARGET`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    FuzzTarget.fromEnvironment.run(bytes)
    return 0
}
