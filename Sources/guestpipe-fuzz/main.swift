import CFuzzDriver
import Foundation
import Ingest
import Pipeline

// Fuzz targets for the two readers of untrusted bytes: the export reader (decompression, CSV,
// header mapping, payment decoding) and the state-archive decoder. Any input must end in
// payments, rejections or a thrown error: never a trap, a hang or unbounded memory.
//
//   guestpipe-fuzz decoder|archive [libFuzzer options] [corpus folders]   (built with -sanitize=fuzzer)
//   guestpipe-fuzz decoder|archive FILE...                                (any build: replays the files)
//   guestpipe-fuzz seed-archive EXPORT OUT                                (writes a valid archive as a seed)

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "seed-archive" {
    // guestpipe-fuzz seed-archive EXPORT OUT: a valid archive to start the archive corpus from.
    let seed = try StateArchiveCheck.seed(from: arguments[2])
    guard FileManager.default.createFile(atPath: arguments[3], contents: Data(seed)) else { exit(74) }
    exit(0)
}
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: guestpipe-fuzz decoder|archive [libFuzzer options | FILE...]\n".utf8))
    exit(64)
}
FuzzTarget.selected = target

let callback: gp_fuzz_callback = { data, size in
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    FuzzTarget.selected.run(bytes)
    return 0
}

if gp_fuzz_driver_available() != 0 {
    // libFuzzer reads its own options from argv; the target's name is not one of them.
    var pointers: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) }
    exit(pointers.withUnsafeMutableBufferPointer { gp_fuzz_run(Int32($0.count), $0.baseAddress, callback) })
} else {
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
    print("replayed \(count) inputs through \(target.rawValue) without a trap")
}
