import Codecs
import Foundation
import FraudReview
import GuestPipeCore
import Grouping
import Reports
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
    public var compress: OutputCompression?
    public var keyFile: String?
    public var maxRejectRate: Double?
    public var policy: GroupingPolicy?
    public var phoneRegion: String?
    public var emailProviderRules: Bool?
    public var placeholders: [String]?
    public var includeTest: Bool?
    /// `[grouping] hub_max_cards`, `hub_max_phones_per_email`, `hub_max_emails_per_phone`.
    public var hubMaxCards: Int?
    public var hubMaxPhonesPerEmail: Int?
    public var hubMaxEmailsPerPhone: Int?
    /// `[fraud]` thresholds and weights by name (`FraudThresholds.settings`; no other names pass).
    public var fraud: [String: Double] = [:]
    /// `[privacy] reports` / `csv`.
    public var privacyReports: PrivacyMode?
    public var privacyCSV: PrivacyMode?
    /// SHA-256 of the file's bytes, for the run manifest.
    public var sha256: String = ""

    /// Keys each table accepts, with the kind of value.
    enum Kind { case string, strings, bool, number, integer }
    static let schema: [String: [String: Kind]] = [
        "": ["version": .integer, "inputs": .strings, "state": .string, "output": .string, "compress": .string,
             "key_file": .string, "max_reject_rate": .number],
        "grouping": ["policy": .string, "phone_region": .string, "email_provider_rules": .bool, "placeholders": .strings,
                     "include_test": .bool, "hub_max_cards": .integer, "hub_max_phones_per_email": .integer,
                     "hub_max_emails_per_phone": .integer],
        // Fraud settings and their defaults live with the fraud review.
        "fraud": Dictionary(uniqueKeysWithValues: FraudThresholds.settings.map { ($0.name, $0.isInteger ? Kind.integer : Kind.number) }),
        "privacy": ["reports": .string, "csv": .string],
    ]

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
        var reader = PipelineFileReader(path: path, text: text)
        reader.check("", table)
        var file = reader.values(of: table)
        file.sha256 = Hashing.sha256Hex(Array(data))
        if !reader.problems.isEmpty {
            let count = reader.problems.count
            throw GuestPipeError(.configuration, "\(count) problem\(count == 1 ? "" : "s") in the pipeline file: " + reader.problems.joined(separator: "; "),
                                 fix: "see the commented examples in pipelines/", at: SourceLocation(file: path))
        }
        return file
    }

    /// `"a" or "b"`, `"a", "b" or "c"`.
    static func alternatives(_ values: [String]) -> String {
        let quoted = values.map { "\"\($0)\"" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
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

/// Reads one pipeline file's table against `PipelineFile.schema`, gathering every problem
/// with its line, so that all of them are reported at once.
struct PipelineFileReader {
    let path: String
    let text: String
    private(set) var problems: [String] = []

    init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// A path in the file, relative to the file's folder unless absolute.
    func resolve(_ value: String) -> String {
        let base = URL(fileURLWithPath: (path as NSString).deletingLastPathComponent, isDirectory: true)
        return value.hasPrefix("/") ? value : URL(fileURLWithPath: value, relativeTo: base).standardizedFileURL.path
    }

    /// The line of `key` in `section` (or of a `[table]` header), 0 when not found.
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

    /// Unknown tables and keys, and values of the wrong kind.
    mutating func check(_ section: String, _ table: TOMLTable) {
        let schema = PipelineFile.schema
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
            if !Self.holds(table[key], kind) {
                problems.append("line \(line(of: key, in: section)): \"\(qualified)\" must be \(PipelineFile.describe(kind))")
            }
        }
        if section.isEmpty, table["version"]?.int != 1 {
            problems.append(table["version"] == nil ? "missing \"version = 1\" (the first line of every pipeline file)"
                                                    : "line \(line(of: "version", in: "")): version must be 1")
        }
    }

    static func holds(_ value: TOMLValueConvertible?, _ kind: PipelineFile.Kind) -> Bool {
        switch kind {
        case .string: return value?.string != nil
        case .strings: return value?.array.map { $0.allSatisfy { $0.string != nil } } ?? false
        case .bool: return value?.bool != nil
        case .integer: return value?.int != nil
        case .number: return value?.int != nil || value?.double != nil
        }
    }

    /// The settings the table holds.
    mutating func values(of table: TOMLTable) -> PipelineFile {
        var file = PipelineFile(path: path)
        func string(_ key: String, _ section: TOMLTable?) -> String? { section?[key]?.string }
        file.inputs = (table["inputs"]?.array ?? TOMLArray()).compactMap { $0.string }.map(resolve)
        file.state = string("state", table).map(resolve)
        file.output = string("output", table).map(resolve)
        file.keyFile = string("key_file", table).map(resolve)
        file.maxRejectRate = Self.number(table["max_reject_rate"])
        let grouping = table["grouping"]?.table
        file.phoneRegion = string("phone_region", grouping)
        file.emailProviderRules = grouping?["email_provider_rules"]?.bool
        file.placeholders = grouping?["placeholders"]?.array?.compactMap { $0.string }
        file.includeTest = grouping?["include_test"]?.bool
        func hubLimit(_ key: String) -> Int? {
            guard let value = grouping?[key]?.int else { return nil }
            if value < 1 { problems.append("line \(line(of: key, in: "grouping")): grouping.\(key) is a count of at least 1") }
            return value
        }
        file.hubMaxCards = hubLimit("hub_max_cards")
        file.hubMaxPhonesPerEmail = hubLimit("hub_max_phones_per_email")
        file.hubMaxEmailsPerPhone = hubLimit("hub_max_emails_per_phone")
        if let fraud = table["fraud"]?.table { file.fraud = fraudSettings(fraud) }
        let privacy = table["privacy"]?.table
        file.policy = choice("policy", in: "grouping", grouping)
        file.compress = choice("compress", in: "", table)
        file.privacyReports = choice("reports", in: "privacy", privacy)
        file.privacyCSV = choice("csv", in: "privacy", privacy)
        if let rate = file.maxRejectRate, !(0...1).contains(rate) {
            problems.append("line \(line(of: "max_reject_rate", in: "")): max_reject_rate is a share between 0 and 1")
        }
        return file
    }

    static func number(_ value: TOMLValueConvertible?) -> Double? { value?.double ?? value?.int.map(Double.init) }

    /// `[fraud]` values by name, in file order; integers out of range are problems.
    mutating func fraudSettings(_ fraud: TOMLTable) -> [String: Double] {
        var values: [String: Double] = [:]
        for key in fraud.keys.sorted(by: { line(of: $0, in: "fraud") < line(of: $1, in: "fraud") }) {
            guard let setting = FraudThresholds.setting(named: key), let value = Self.number(fraud[key]) else { continue }
            if setting.isInteger, fraud[key]?.int != nil, let problem = setting.problem(with: value) {
                problems.append("line \(line(of: key, in: "fraud")): fraud.\(key) \(problem)")
            }
            values[key] = value
        }
        return values
    }

    /// A value out of an enum's cases; anything else is a problem listing every case.
    mutating func choice<Value: RawRepresentable & CaseIterable>(_ key: String, in section: String, _ values: TOMLTable?) -> Value?
    where Value.RawValue == String {
        guard let text = values?[key]?.string else { return nil }
        if let value = Value(rawValue: text) { return value }
        let qualified = section.isEmpty ? key : section + "." + key
        problems.append("line \(line(of: key, in: section)): \(qualified) is \(PipelineFile.alternatives(Value.allCases.map(\.rawValue)))")
        return nil
    }
}
