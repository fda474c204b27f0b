import Foundation
import GuestPipeCore
import Grouping
import TOMLKit

/// A pipeline file (TOML, `version = 1`): what a cron job names instead of a long command line.
/// Every setting also has a flag, and flags win. Unknown keys are errors naming the key and its
/// line; all problems are reported at once. Relative paths are relative to the file's folder.
public struct PipelineFile: Sendable {
    public var path: String
    public var inputs: [String] = []
    public var state: String?
    /// May hold `{date}` (the run's UTC date, YYYY-MM-DD).
    public var output: String?
    public var compress: String?
    public var keyFile: String?
    public var maxRejectRate: Double?
    public var policy: String?
    public var phoneRegion: String?
    public var emailProviderRules: Bool?
    public var placeholders: [String]?
    public var includeTest: Bool?
    /// `[fraud]` thresholds by name (see `FraudThresholds`).
    public var fraud: [String: Double] = [:]
    /// `[privacy] reports` / `csv`: full, masked or pseudonymised.
    public var privacyReports: String?
    public var privacyCSV: String?
    /// SHA-256 of the file's bytes, for the run manifest.
    public var sha256: String = ""

    /// Keys each table accepts, with the kind of value.
    enum Kind { case string, strings, bool, number, integer }
    static let schema: [String: [String: Kind]] = [
        "": ["version": .integer, "inputs": .strings, "state": .string, "output": .string, "compress": .string,
             "key_file": .string, "max_reject_rate": .number],
        "grouping": ["policy": .string, "phone_region": .string, "email_provider_rules": .bool, "placeholders": .strings,
                     "include_test": .bool],
        "fraud": Dictionary(uniqueKeysWithValues: PipelineFile.fraudKeys.map { ($0, Kind.number) }),
        "privacy": ["reports": .string, "csv": .string],
    ]
    /// Fraud-review thresholds a pipeline may set (defaults live with the fraud review).
    public static let fraudKeys = ["dispute_rate", "refund_rate", "cards_per_email", "emails_per_card", "velocity_per_hour",
                                   "velocity_per_day", "burst_window_minutes", "burst_min_failures", "burst_max_amount",
                                   "check_failures", "review_score", "high_score", "vamp_threshold", "vamp_threshold_before_2026_04",
                                   "vamp_min_incidents", "ecm_threshold", "ecm_min_chargebacks"]

    public static func load(_ path: String) throws -> PipelineFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GuestPipeError(.configuration, "cannot read the pipeline file", fix: "check the path", at: SourceLocation(file: path))
        }
        let text = String(decoding: data, as: UTF8.self)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw GuestPipeError(.configuration, "not valid TOML: \(error.description)", fix: "fix the syntax on that line",
                                 at: SourceLocation(file: path, line: UInt64(max(error.source.begin.line, 0))))
        }
        var file = PipelineFile(path: path)
        file.sha256 = Hashing.sha256Hex(Array(data))
        var problems: [String] = []
        let base = URL(fileURLWithPath: (path as NSString).deletingLastPathComponent, isDirectory: true)
        func resolve(_ value: String) -> String {
            value.hasPrefix("/") ? value : URL(fileURLWithPath: value, relativeTo: base).standardizedFileURL.path
        }
        func line(of key: String, in section: String) -> Int {
            var current = ""
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = raw.trimmingCharacters(in: .whitespaces)
                if key.hasPrefix("["), trimmed.hasPrefix(key) { return number + 1 }
                if trimmed.hasPrefix("[") {
                    current = trimmed.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                } else if current == section, trimmed.hasPrefix(key),
                          trimmed.dropFirst(key.count).trimmingCharacters(in: .whitespaces).hasPrefix("=") {
                    return number + 1
                }
            }
            return 0
        }
        func check(_ section: String, _ table: TOMLTable) {
            let allowed = schema[section] ?? [:]
            for key in table.keys {
                let qualified = section.isEmpty ? key : section + "." + key
                if section.isEmpty, let nested = table[key]?.table {
                    if schema[key] == nil {
                        problems.append("line \(line(of: "[\(key)]", in: "")): unknown table [\(key)] (known: \(schema.keys.filter { !$0.isEmpty }.sorted().joined(separator: ", ")))")
                    } else {
                        check(key, nested)
                    }
                    continue
                }
                guard let kind = allowed[key] else {
                    problems.append("line \(line(of: key, in: section)): unknown key \"\(qualified)\" (known: \(allowed.keys.sorted().joined(separator: ", ")))")
                    continue
                }
                let value = table[key]
                let ok: Bool
                switch kind {
                case .string: ok = value?.string != nil
                case .strings: ok = value?.array.map { $0.allSatisfy { $0.string != nil } } ?? false
                case .bool: ok = value?.bool != nil
                case .integer: ok = value?.int != nil
                case .number: ok = value?.int != nil || value?.double != nil
                }
                if !ok { problems.append("line \(line(of: key, in: section)): \"\(qualified)\" must be \(describe(kind))") }
            }
        }
        check("", table)
        if table["version"]?.int != 1 {
            problems.append(table["version"] == nil ? "missing \"version = 1\" (the first line of every pipeline file)"
                                                    : "line \(line(of: "version", in: "")): version must be 1")
        }
        func string(_ key: String, _ section: TOMLTable?) -> String? { section?[key]?.string }
        func number(_ value: TOMLValueConvertible?) -> Double? { value?.double ?? value?.int.map(Double.init) }
        file.inputs = (table["inputs"]?.array ?? TOMLArray()).compactMap { $0.string }.map(resolve)
        file.state = string("state", table).map(resolve)
        file.output = string("output", table).map(resolve)
        file.compress = string("compress", table)
        file.keyFile = string("key_file", table).map(resolve)
        file.maxRejectRate = number(table["max_reject_rate"])
        let grouping = table["grouping"]?.table
        file.policy = string("policy", grouping)
        file.phoneRegion = string("phone_region", grouping)
        file.emailProviderRules = grouping?["email_provider_rules"]?.bool
        file.placeholders = grouping?["placeholders"]?.array?.compactMap { $0.string }
        file.includeTest = grouping?["include_test"]?.bool
        if let fraud = table["fraud"]?.table {
            for key in fraud.keys { if let value = number(fraud[key]) { file.fraud[key] = value } }
        }
        let privacy = table["privacy"]?.table
        file.privacyReports = string("reports", privacy)
        file.privacyCSV = string("csv", privacy)
        if let policy = file.policy, GroupingPolicy(rawValue: policy) == nil {
            let names = GroupingPolicy.allCases.map { "\"\($0.rawValue)\"" }
            problems.append("line \(line(of: "policy", in: "grouping")): grouping.policy is \(names.dropLast().joined(separator: ", ")) or \(names.last!)")
        }
        if let compress = file.compress, !["none", "zstd"].contains(compress) {
            problems.append("line \(line(of: "compress", in: "")): compress is \"none\" or \"zstd\"")
        }
        for (key, value) in [("reports", file.privacyReports), ("csv", file.privacyCSV)] {
            if let value, !["full", "masked", "pseudonymised"].contains(value) {
                problems.append("line \(line(of: key, in: "privacy")): privacy.\(key) is \"full\", \"masked\" or \"pseudonymised\"")
            }
        }
        if let rate = file.maxRejectRate, !(0...1).contains(rate) {
            problems.append("line \(line(of: "max_reject_rate", in: "")): max_reject_rate is a share between 0 and 1")
        }
        if !problems.isEmpty {
            throw GuestPipeError(.configuration, "\(problems.count) problem\(problems.count == 1 ? "" : "s") in the pipeline file:\n  "
                                 + problems.joined(separator: "\n  "), fix: "see the commented examples in pipelines/",
                                 at: SourceLocation(file: path))
        }
        return file
    }

    static func describe(_ kind: Kind) -> String {
        switch kind {
        case .string: return "a string"
        case .strings: return "a list of strings"
        case .bool: return "true or false"
        case .number: return "a number"
        case .integer: return "an integer"
        }
    }

    /// The output folder with `{date}` filled in.
    public static func expandOutput(_ template: String, now: Date = Date()) -> String {
        template.replacingOccurrences(of: "{date}", with: UTCTime.formatDate(Int64(now.timeIntervalSince1970)))
    }
}
