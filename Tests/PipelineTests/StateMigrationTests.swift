import Codecs
import Foundation
import GRDB
import GuestPipeCore
import GuestPipeTestSupport
import Ingest
@testable import Pipeline
import Reports
import XCTest

/// Upgrading guestpipe must never need the original exports (users delete them): a state
/// written by an older release is migrated forward and gives the same outputs.
/// `Tests/Fixtures/state-v4` is a state of schema 4 (archives in format 2, raw memory) written by
/// guestpipe 8805a96 from `sample-data/`, with that build's output hashes; its exports are not here.
final class StateMigrationTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("migration") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func copyOfTheOldState() throws -> (state: String, key: String) {
        let fixture = TestPaths.fixtures.appendingPathComponent("state-v4")
        let state = directory.appendingPathComponent("state").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(atPath: fixture.appendingPathComponent("state.sqlite").path, toPath: state + "/state.sqlite")
        return (state, fixture.appendingPathComponent("id-key").path)
    }

    func testAStateOfSchema4MigratesWithoutItsExportsAndReportsTheSameBytes() throws {
        let (state, key) = try copyOfTheOldState()
        var settings = RunSettings()
        settings.stateDirectory = state
        settings.idKeyFile = key
        settings.reportOnly = true
        settings.outputDirectory = directory.appendingPathComponent("out").path
        _ = try GuestRun.execute(settings)
        let expected = try String(contentsOf: TestPaths.fixtures.appendingPathComponent("state-v4/expected-outputs.sha256"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        XCTAssertEqual(expected.count, 10)
        for line in expected {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: settings.outputDirectory + "/" + line[1])))
            XCTAssertEqual(Hashing.sha256Hex(bytes), line[0], "\(line[1]) differs from what the old release wrote")
        }
        let store = try StateStore(directory: state, create: false)
        XCTAssertEqual(try store.meta("schema_version"), String(StateStore.schemaVersion))
        let files = try store.files()
        XCTAssertEqual(files.count, 4)
        for file in files {
            let archive = try ZstdBuffer.decompress(try store.archive(of: file.path), name: file.path)
            XCTAssertEqual(Array(archive.prefix(8)), BatchArchive.magic, "\(file.path) was rewritten in the explicit format")
        }
    }

    func testAnArchiveNamingAStatusThisBuildDoesNotKnowIsRefusedNotMisread() throws {
        let (state, _) = try copyOfTheOldState()
        let store = try StateStore(directory: state, create: false)
        let path = try XCTUnwrap(try store.files().first?.path)
        var bytes = try ZstdBuffer.decompress(try store.archive(of: path), name: path)
        // The first status name follows the magic and the table's count and length (8 + 8 + 8).
        XCTAssertEqual(Array(bytes[24..<33]), Array("succeeded".utf8))
        bytes.replaceSubrange(24..<33, with: Array("succeedes".utf8))
        XCTAssertThrowsError(try BatchArchive.decode(decompressed: bytes, report: FileReport(path: path))) { error in
            XCTAssertEqual((error as? GuestPipeError)?.code, .configuration)
            XCTAssertTrue((error as? GuestPipeError)?.message.contains("does not know") ?? false, "\(error)")
        }
    }

    func testAStateFromANewerGuestpipeIsRefused() throws {
        let (state, _) = try copyOfTheOldState()
        _ = try StateStore(directory: state, create: false)
        try DatabaseQueue(path: state + "/state.sqlite").write { db in
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'schema_version'", arguments: [StateStore.schemaVersion + 1])
        }
        XCTAssertThrowsError(try StateStore(directory: state, create: false)) { error in
            XCTAssertTrue((error as? GuestPipeError)?.message.contains("newer guestpipe") ?? false, "\(error)")
        }
    }
}
