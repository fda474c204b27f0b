import Foundation
import GuestPipeTestSupport
import Pipeline
import Reports
import XCTest

/// Pins the contents of every deterministic output against expectations written by hand from
/// guests.md (Tests/Fixtures/handchecked/README.md shows each payment, the rule it exercises and
/// the arithmetic behind each guest). Unlike the determinism tests, which compare one run with
/// another, a column that is wrong everywhere fails here.
final class HandCheckedOutputsTests: XCTestCase {
    static let fixture = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/handchecked")
    static let exports = fixture.appendingPathComponent("exports")
    static let key = fixture.appendingPathComponent("id-key")

    /// The files a run without state writes whose bytes the contract fixes (the registry says which).
    static let pinned = OutputRegistry.written(stateful: false, policy: .card).filter(\.deterministic).map { $0.fileName(.none) }
    /// Outputs that are run-scoped (times, paths, hashes) or for people, and the marker that
    /// says the folder is guestpipe's; not pinned byte for byte.
    static let notPinned = Set(OutputRegistry.written(stateful: false, policy: .card).filter { !$0.deterministic }.map { $0.fileName(.none) }
                               + ["manifest.json", Publisher.markerName])

    var directory: URL!

    override func setUpWithError() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: guestpipeBinary().path), "built binary at \(guestpipeBinary().path)")
        directory = try TestPaths.temporaryDirectory("handchecked")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testCardPolicyOutputsMatchTheHandCheckedExpectations() throws {
        let out = try run(policy: "card", inputs: [Self.exports.path])
        try assertOutputs(out, equal: Self.fixture.appendingPathComponent("expected"))
    }

    func testDashboardPolicyOutputsMatchTheHandCheckedExpectations() throws {
        let out = try run(policy: "dashboard", inputs: [Self.exports.path])
        try assertOutputs(out, equal: Self.fixture.appendingPathComponent("expected-dashboard"))
    }

    /// `linked` (README "Under `linked`"): Kenji's and Lee's guests become one, through the card
    /// Kenji paid with; every join is a row of guest_links.csv.
    func testLinkedPolicyOutputsMatchTheHandCheckedExpectations() throws {
        let out = try run(policy: "linked", inputs: [Self.exports.path])
        let pinned = OutputRegistry.written(stateful: false, policy: .linked).filter(\.deterministic).map { $0.fileName(.none) }
        XCTAssertTrue(pinned.contains("guest_links.csv"))
        try assertOutputs(out, equal: Self.fixture.appendingPathComponent("expected-linked"), pinned: pinned)
    }

    /// Exports named one by one in reverse order: the export order comes from the dates in their
    /// names, so the outputs are the same hand-checked bytes.
    func testExportsGivenInAnotherOrderGiveTheSameHandCheckedOutputs() throws {
        let files = try TestPaths.files(in: Self.exports, suffix: ".csv").map(\.path).reversed()
        XCTAssertEqual(files.count, 3)
        let out = try run(policy: "card", inputs: Array(files))
        try assertOutputs(out, equal: Self.fixture.appendingPathComponent("expected"))
    }

    // MARK: - Helpers

    /// Runs `guestpipe run` on `inputs` with the fixture key; returns the output folder.
    func run(policy: String, inputs: [String]) throws -> URL {
        let out = directory.appendingPathComponent("out-\(policy)-\(UUID().uuidString)")
        let arguments = ["run"] + inputs.flatMap { ["--input", $0] } + ["--out", out.path, "--id-key-file", Self.key.path, "--policy", policy]
        let result = try guestpipe(arguments)
        XCTAssertEqual(result.status, 0, "guestpipe \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        return out
    }

    /// Every pinned file byte for byte, no unexpected output file, and the summary's counts.
    func assertOutputs(_ out: URL, equal expected: URL, pinned: [String] = HandCheckedOutputsTests.pinned,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let written = Set((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [])
        let unpinned = written.subtracting(pinned).subtracting(Self.notPinned)
        XCTAssertTrue(unpinned.isEmpty, "outputs without a hand-checked expectation: \(unpinned.sorted())", file: file, line: line)
        for name in pinned {
            let expectedURL = expected.appendingPathComponent(name)
            guard let want = FileManager.default.contents(atPath: expectedURL.path) else {
                XCTFail("missing expectation \(expectedURL.path)", file: file, line: line)
                continue
            }
            guard let have = FileManager.default.contents(atPath: out.appendingPathComponent(name).path) else {
                XCTFail("\(name) was not written", file: file, line: line)
                continue
            }
            if have != want {
                XCTFail("\(expected.lastPathComponent)/\(name): " + Self.firstDifference(expected: want, actual: have), file: file, line: line)
            }
        }
        try assertSummary(out.appendingPathComponent("summary.json"), matches: expected.appendingPathComponent("summary_counts.json"),
                          file: file, line: line)
    }

    /// Each key of `summary_counts.json` must have the same JSON value in `summary.json`.
    func assertSummary(_ summary: URL, matches counts: URL, file: StaticString, line: UInt) throws {
        guard let summaryData = FileManager.default.contents(atPath: summary.path) else {
            XCTFail("summary.json was not written", file: file, line: line)
            return
        }
        let actual = try XCTUnwrap(try JSONSerialization.jsonObject(with: summaryData) as? [String: Any], file: file, line: line)
        let wanted = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: counts)) as? [String: Any], file: file, line: line)
        for (key, value) in wanted.sorted(by: { $0.key < $1.key }) {
            guard let found = actual[key] else {
                XCTFail("summary.json has no \"\(key)\"", file: file, line: line)
                continue
            }
            if Self.json(value) != Self.json(found) {
                XCTFail("summary.json \"\(key)\":\n  expected \(Self.json(value))\n  actual   \(Self.json(found))", file: file, line: line)
            }
        }
    }

    /// The first line that differs, both versions shown, and the line counts.
    static func firstDifference(expected: Data, actual: Data) -> String {
        let want = String(decoding: expected, as: UTF8.self).components(separatedBy: "\n")
        let have = String(decoding: actual, as: UTF8.self).components(separatedBy: "\n")
        for index in 0..<max(want.count, have.count) {
            let a = index < want.count ? want[index] : "<end of file>"
            let b = index < have.count ? have[index] : "<end of file>"
            if a != b {
                return "first difference at line \(index + 1) (expected \(want.count - 1) lines, got \(have.count - 1)):\n"
                    + "  expected: \(a)\n  actual:   \(b)"
            }
        }
        return "the bytes differ (line ends or encoding)"
    }

    /// A JSON value as sorted-key JSON text: equal values give equal text (on Linux too, where
    /// `isEqual` on bridged dictionaries is unreliable).
    static func json(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else { return "\(value)" }
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
