import Foundation
import GuestPipeCore
#if canImport(Glibc)
import Glibc
#endif

/// Turns `--input` values into files: a file as is, a directory's `*.csv`, `*.csv.zst` and
/// `*.csv.gz`, a glob pattern expanded. Nothing found is an error (exit 66).
public enum InputFiles {
    public static func expand(_ inputs: [String]) throws -> [String] {
        var files: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            if input == "-" {
                files.append(input)
            } else if FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    let names = try FileManager.default.contentsOfDirectory(atPath: input)
                        .filter { [".csv", ".csv.zst", ".csv.gz", ".csv.zstd", ".csv.gzip"].contains(where: $0.lowercased().hasSuffix) }
                        .sorted()
                    if names.isEmpty {
                        throw GuestPipeError(.noInput, "no .csv, .csv.zst or .csv.gz file in the input directory",
                                             fix: "point --input at the export files", at: SourceLocation(file: input))
                    }
                    files += names.map { (input as NSString).appendingPathComponent($0) }
                } else {
                    files.append(input)
                }
            } else if input.contains("*") || input.contains("?") || input.contains("[") {
                let matches = glob(input)
                if matches.isEmpty {
                    throw GuestPipeError(.noInput, "the pattern matched no file", fix: "check the pattern and the folder",
                                         at: SourceLocation(file: input))
                }
                files += matches
            } else {
                throw GuestPipeError(.noInput, "input not found", fix: "check the path", at: SourceLocation(file: input))
            }
        }
        if files.isEmpty {
            throw GuestPipeError(.noInput, "no input given", fix: "name export files with --input PATH (a file, a folder or a glob)")
        }
        var seen = Set<String>()
        return files.filter { seen.insert($0).inserted }
    }

    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
