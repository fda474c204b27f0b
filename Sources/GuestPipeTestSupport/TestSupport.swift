import Foundation
import GuestPipeCore

/// Locations shared by the test targets.
public enum TestPaths {
    /// The package root (the folder with Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `Tests/Fixtures`: test data kept in the repository (see its README for origins and licences).
    public static var fixtures: URL { packageRoot.appendingPathComponent("Tests").appendingPathComponent("Fixtures") }

    /// `Tests/Fixtures/conformance`: external conformance corpora, copied unchanged from upstream.
    public static var conformance: URL { fixtures.appendingPathComponent("conformance") }

    /// A fresh private temporary directory.
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("guestpipe-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return url
    }

    /// Files in a folder with a given suffix, sorted by name.
    public static func files(in folder: URL, suffix: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(suffix) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

/// The ways a reader test splits its input: whole, byte by byte, and seeded random chunks.
public enum ChunkPlans {
    public static func all(length: Int, seed: UInt64 = 7) -> [(name: String, sizes: [Int])] {
        var state = seed
        var random: [Int] = []
        for _ in 0..<64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            random.append(1 + Int((state >> 33) % 97))
        }
        return [("whole", [max(length, 1)]), ("byte-by-byte", [1]), ("random", random)]
    }
}

/// Card-number checks for outputs: no Stripe test PAN may appear, in any common spacing.
public enum PANCorpus {
    public static func numbers() throws -> [String] {
        let text = try String(contentsOf: TestPaths.conformance.appendingPathComponent("pan/test-card-numbers.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            line.split(separator: ",").first.map(String.init)
        }
    }

    /// Plain, grouped by four with spaces, grouped by four with dashes.
    public static func spellings(of number: String) -> [String] {
        let digits = Array(number)
        let groups = stride(from: 0, to: digits.count, by: 4).map { String(digits[$0..<min($0 + 4, digits.count)]) }
        return [number, groups.joined(separator: " "), groups.joined(separator: "-")]
    }

    /// Every corpus number found in `text`, in any spelling.
    public static func leaks(in text: String) throws -> [String] {
        try numbers().filter { number in spellings(of: number).contains { text.contains($0) } }
    }
}

/// SplitMix64: a small seeded generator, so random tests pick the same cases on every machine.
public struct SplitMix {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    /// A number in `0..<bound`.
    public mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
