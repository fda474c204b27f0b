import Codecs
import Foundation
import GuestPipeCore
import GuestPipeTestSupport
import Ingest
import SampleData
import XCTest

final class SampleGeneratorTests: XCTestCase {
    func generate(_ options: SampleOptions) throws -> (URL, [String]) {
        let directory = try TestPaths.temporaryDirectory("sample")
        let paths = try SampleGenerator(options: options).write(to: directory.path)
        return (directory, paths)
    }

    func testTheTruthFileNamesThePlantedPaymentsAndTheExtraBurstsRangeFrom5To500() throws {
        var options = SampleOptions()
        options.payments = 3000
        options.days = 2
        options.plantedBursts = 3
        options.compression = .none
        let directory = try TestPaths.temporaryDirectory("truth")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generator = SampleGenerator(options: options)
        let paths = try generator.write(to: directory.path)
        let truthPath = directory.appendingPathComponent("truth.csv").path
        try generator.writeTruth(to: truthPath)
        let lines = try String(contentsOfFile: truthPath, encoding: .utf8).split(separator: "\n").dropFirst()
        var counts: [String: Int] = [:]
        for line in lines { counts[String(line.split(separator: ",")[1]), default: 0] += 1 }
        for truth in SampleTruth.allCases { XCTAssertGreaterThan(counts[truth.rawValue] ?? 0, 0, truth.rawValue) }
        // Bursts of 5, 50 and 500 attempts, on top of the generator's own and the planted one.
        XCTAssertGreaterThanOrEqual((counts["card-testing"] ?? 0) + (counts["confirmed-card"] ?? 0), 555)
        // Every payment the truth names is in an export (the first column is the id).
        var exported = Set<Substring>()
        for path in paths {
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") { exported.insert(line.prefix { $0 != "," }) }
        }
        for line in lines { XCTAssertTrue(exported.contains(line.prefix { $0 != "," }), String(line)) }
    }

    func testTheSameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws {
        var options = SampleOptions()
        options.payments = 1500
        options.seed = 9
        let (first, firstPaths) = try generate(options)
        let (second, secondPaths) = try generate(options)
        options.seed = 10
        let (third, thirdPaths) = try generate(options)
        defer { for url in [first, second, third] { try? FileManager.default.removeItem(at: url) } }
        for (a, b) in zip(firstPaths, secondPaths) {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
        }
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: firstPaths[0])), try Data(contentsOf: URL(fileURLWithPath: thirdPaths[0])))
    }

    func testEveryLayoutReadsBackWithoutRejectsAndCarriesTheScenarios() throws {
        for layout in SampleLayout.allCases {
            var options = SampleOptions()
            options.payments = 3000
            options.days = 3
            options.layout = layout
            let (directory, paths) = try generate(options)
            defer { try? FileManager.default.removeItem(at: directory) }
            var byID: [String: [Payment]] = [:]
            var all: [Payment] = []
            for path in paths {
                let report = try PaymentFileReader.read(path: path, onPayment: { payment in
                    byID[payment.key, default: []].append(payment)
                    all.append(payment)
                }, onRejection: { XCTFail("\(layout): \($0.message)") })
                XCTAssertEqual(report.rejects, 0, "\(layout)")
                XCTAssertEqual(report.compression, .zstd)
            }
            XCTAssertGreaterThan(all.count, byID.count, "\(layout): the previous day is exported again")
            if layout == .newDefault {
                XCTAssertLessThan(byID.count, 3000 + SampleGenerator.plantedPaymentCount, "no PaymentIntent column: incomplete rows are left out")
                XCTAssertGreaterThan(byID.count, 2800)
            } else {
                XCTAssertEqual(byID.count, 3000 + SampleGenerator.plantedPaymentCount, "\(layout): distinct payments")
                XCTAssertTrue(all.contains { $0.status == .incomplete }, "\(layout): incomplete PaymentIntents")
            }
            XCTAssertTrue(all.contains { $0.status == .failed }, "\(layout): failed payments")
            XCTAssertTrue(all.contains { $0.isGuest } && all.contains { !$0.customerID.isEmpty }, "\(layout): guests and customers")
            if layout != .newDefault {
                XCTAssertTrue(byID.values.contains { copies in copies.count == 2 && copies[0].amountRefunded != copies[1].amountRefunded },
                              "\(layout): a later export carries a refund the earlier did not")
                let cards = Dictionary(grouping: all.filter { !$0.cardFingerprint.isEmpty }, by: \.cardFingerprint)
                XCTAssertTrue(cards.values.contains { Set($0.map { $0.email.lowercased() }.filter { !$0.isEmpty && $0.contains("@") }).count >= 2 },
                              "\(layout): a card used by two people")
                XCTAssertTrue(all.contains { $0.cardFingerprint.isEmpty && $0.isGuest }, "\(layout): non-card guest payments")
                // Card testing: many failed payments within minutes.
                let failed = all.filter { $0.status == .failed }.map(\.created).sorted()
                let burst = zip(failed, failed.dropFirst(10)).contains { $1 - $0 <= 300 }
                XCTAssertTrue(burst, "\(layout): a card-testing burst")
            }
            if layout == .newAll {
                XCTAssertTrue(all.contains { $0.phone.hasPrefix("(") } && all.contains { $0.phone.hasPrefix("+") }, "phone formats vary")
                XCTAssertTrue(all.contains { $0.email == "test@example.com" || $0.email == "n/a" || $0.email == "none" }, "placeholders")
                XCTAssertTrue(all.contains { $0.isDispute }, "disputes")
                XCTAssertTrue(all.contains { $0.currency?.exponent == 0 } && all.contains { $0.currency?.exponent == 3 }, "currencies")
            }
        }
    }

    func testEveryCompressionNamesItsFilesForTheBytesWritten() throws {
        for compression in OutputCompression.allCases {
            var options = SampleOptions()
            options.payments = 200
            options.days = 1
            options.compression = compression
            let (directory, paths) = try generate(options)
            defer { try? FileManager.default.removeItem(at: directory) }
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: paths[0])).prefix(4))
            XCTAssertEqual(Compression.fromSuffix(paths[0]) ?? .none, compression.compression, paths[0])
            XCTAssertEqual(Compression.sniff(bytes), compression.compression, "\(compression): the bytes match the name")
            XCTAssertEqual(try PaymentFileReader.read(path: paths[0], onPayment: { _ in }, onRejection: { _ in }).compression, compression.compression)
        }
    }
}

/// The people file (`guestpipe sample --people`): the ground truth of Benchmarks/linkage.sh.
final class PeopleFileTests: XCTestCase {
    func testEveryPaymentWithAnIdHasOnePersonAndAPersonIsOneBuyer() throws {
        var options = SampleOptions()
        options.payments = 4000
        options.days = 3
        options.seed = 8
        options.plantedBursts = 2
        options.compression = .none
        let directory = try TestPaths.temporaryDirectory("people")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generator = SampleGenerator(options: options)
        let paths = try generator.write(to: directory.path)
        let peoplePath = directory.appendingPathComponent("people.csv").path
        try generator.writePeople(to: peoplePath)
        let text = try String(contentsOfFile: peoplePath, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.first, "payment_id,person")
        var person: [String: Int] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",")
            XCTAssertEqual(fields.count, 2, String(line))
            XCTAssertNil(person[String(fields[0])], "one line per payment: \(fields[0])")
            person[String(fields[0])] = try XCTUnwrap(Int(fields[1]))
        }
        // Exactly the payments with an id, over every export.
        var payments: [String: Payment] = [:]
        for path in paths {
            _ = try PaymentFileReader.read(path: path, onPayment: { if !$0.id.isEmpty { payments[$0.id] = $0 } }, onRejection: { XCTFail($0.message) })
        }
        XCTAssertEqual(Set(person.keys), Set(payments.keys))
        // A person is one buyer: one name; a planted case is one person; card testers are strangers.
        var names: [Int: Set<String>] = [:]
        var byPerson: [Int: [Payment]] = [:]
        for (id, payment) in payments {
            names[person[id]!, default: []].insert(payment.name)
            byPerson[person[id]!, default: []].append(payment)
        }
        XCTAssertTrue(names.values.allSatisfy { $0.count == 1 }, "one name per person")
        for scenario in PlantedCase.allCases where scenario != .cardTesting {
            let owners = Set(payments.filter { $0.value.cardFingerprint == scenario.marker }.map { person[$0.key]! })
            XCTAssertEqual(owners.count, 1, "\(scenario) is one person")
        }
        let testers = payments.filter { $0.value.email.trimmingCharacters(in: .whitespaces).lowercased() == PlantedCase.cardTesting.marker }.map { person[$0.key]! }
        XCTAssertEqual(Set(testers).count, testers.count, "every card-testing attempt is its own person")
        XCTAssertGreaterThanOrEqual(testers.count, 15, "the planted burst's attempts that kept its email")
        // The family trap shows: one email, several people.
        let familyPeople = Dictionary(grouping: payments.values.filter { $0.email.lowercased().contains(".family") }, by: { $0.email.lowercased() })
            .mapValues { Set($0.map { person[$0.id]! }) }
        XCTAssertTrue(familyPeople.values.contains { $0.count >= 2 }, "a family email shared by several people")
        // The same options give the same people file.
        let again = directory.appendingPathComponent("again.csv").path
        try SampleGenerator(options: options).writePeople(to: again)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: again)), Data(text.utf8))
    }
}

/// The committed `sample-data/` pins the generator's bytes (scripts/make-sample-data): a change
/// that should leave ordinary payments alone must still reproduce them.
final class SampleDataPinTests: XCTestCase {
    static func decompressed(_ path: String) throws -> [UInt8] {
        let source = try DecompressingSource(FileByteSource(path: path), name: path)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return bytes }
            bytes += buffer[0..<count]
        }
    }

    /// Writes `options`' sample uncompressed and compares each day with `sample-data/NAME`.
    func assertReproduces(_ options: SampleOptions, names: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        var options = options
        options.compression = .none
        let directory = try TestPaths.temporaryDirectory("pin")
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try SampleGenerator(options: options).write(to: directory.path)
        XCTAssertEqual(paths.count, names.count, file: file, line: line)
        let committed = TestPaths.packageRoot.appendingPathComponent("sample-data")
        for (path, name) in zip(paths, names) {
            let expected = try Self.decompressed(committed.appendingPathComponent(name).path)
            let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertTrue(written == expected, "\(name): the generator no longer writes the committed bytes", file: file, line: line)
        }
    }

    /// With every linkage trap off (issue #13), the generator writes what it wrote before them.
    func testWithoutTheLinkageTrapsTheGeneratorStillWritesTheCommittedSampleData() throws {
        var options = SampleOptions().withoutLinkageTraps
        options.payments = 1500
        options.days = 3
        options.seed = 2026
        try assertReproduces(options, names: ["payments-2026-03-01.csv.zst", "payments-2026-03-02.csv.zst", "payments-2026-03-03.csv.zst"])
        var unified = SampleOptions().withoutLinkageTraps
        unified.payments = 300
        unified.days = 1
        unified.seed = 2027
        unified.layout = .newDefault
        unified.firstDay = Int64(UTCTime.daysFromCivil(year: 2026, month: 3, day: 4)) * 86_400
        try assertReproduces(unified, names: ["unified_payments.csv.zst"])
    }
}

/// The linkage traps of issue #13: families sharing an email, shop phones, card switches and
/// email typos. Each changes only its own values, at about its share.
final class LinkageTrapTests: XCTestCase {
    /// Samples already read, by their trap shares (the tests share the one without traps).
    nonisolated(unsafe) static var read: [[Double]: [Payment]] = [:]

    /// Every row of `options`' sample, in file order (re-exported copies included).
    func rows(_ options: SampleOptions) throws -> [Payment] {
        let shares = [options.familyShare, options.shopPhoneShare, options.cardSwitchShare, options.emailTypoShare]
        if let rows = Self.read[shares] { return rows }
        var options = options
        options.compression = .none
        let directory = try TestPaths.temporaryDirectory("traps")
        defer { try? FileManager.default.removeItem(at: directory) }
        var rows: [Payment] = []
        for path in try SampleGenerator(options: options).write(to: directory.path) {
            _ = try PaymentFileReader.read(path: path, onPayment: { rows.append($0) }, onRejection: { XCTFail($0.message) })
        }
        Self.read[shares] = rows
        return rows
    }

    /// What a trap may change, by column.
    enum Column: CaseIterable { case email, phone, card }

    /// The columns in which two rows differ; everything else must be equal.
    func differences(_ a: Payment, _ b: Payment) -> Set<Column> {
        func rest(_ p: Payment) -> String {
            "\(p.key) \(p.created) \(p.amount) \(p.amountRefunded) \(p.status) \(p.customerID) \(p.description) \(p.paymentSourceType) "
                + "\(p.declineReason) \(p.name) \(p.billingPostalCode) \(p.cvcCheck) \(p.avsZipCheck) \(p.disputeStatus) \(p.disputedAmount) "
                + "\(p.riskScore) \(p.metadata.map { $0.key + "=" + $0.value }) \(p.currency?.code ?? "") \(p.mode)"
        }
        XCTAssertEqual(rest(a), rest(b), "a trap changed a column it does not own")
        var result = Set<Column>()
        if a.email != b.email { result.insert(.email) }
        if a.phone != b.phone { result.insert(.phone) }
        let card: (Payment) -> String = { "\($0.cardFingerprint) \($0.cardLast4) \($0.cardBrand) \($0.cardFunding) \($0.cardIssueCountry) \($0.billingCountry)" }
        if card(a) != card(b) { result.insert(.card) }
        return result
    }

    func trapped() -> SampleOptions {
        var options = SampleOptions()
        options.payments = 6000
        options.days = 3
        options.seed = 13
        return options
    }

    func testEachTrapChangesOnlyItsOwnColumnsAndTurningOneOffLeavesTheOthers() throws {
        let all = try rows(trapped())
        let none = try rows(trapped().withoutLinkageTraps)
        XCTAssertEqual(all.count, none.count)
        var changed: [Column: Int] = [:]
        for (a, b) in zip(all, none) { for column in differences(a, b) { changed[column, default: 0] += 1 } }
        for column in Column.allCases { XCTAssertGreaterThan(changed[column] ?? 0, 0, "\(column): some rows are trapped") }
        // One trap off at a time: only that trap's column differs from all traps on.
        let single: [(String, WritableKeyPath<SampleOptions, Double>, Set<Column>)] = [
            ("families", \.familyShare, [.email]), ("shop phones", \.shopPhoneShare, [.phone]),
            ("card switches", \.cardSwitchShare, [.card]), ("typos", \.emailTypoShare, [.email]),
        ]
        for (name, share, columns) in single {
            var options = trapped()
            options[keyPath: share] = 0
            let without = try rows(options)
            XCTAssertEqual(without.count, all.count, name)
            var seen = Set<Column>()
            for (a, b) in zip(all, without) { seen.formUnion(differences(a, b)) }
            XCTAssertEqual(seen, columns, "\(name) off changes only its own column")
        }
    }

    /// `trapped()` with only the trap at `share` on.
    func only(_ share: WritableKeyPath<SampleOptions, Double>) -> SampleOptions {
        var result = trapped().withoutLinkageTraps
        result[keyPath: share] = trapped()[keyPath: share]
        return result
    }

    /// Pairs of rows (trap on, trap off) of the population: strangers (card testing, planted
    /// cases) have no name and are never trapped.
    func population(_ on: [Payment], _ off: [Payment]) -> [(on: Payment, off: Payment)] {
        zip(on, off).filter { !$0.1.name.isEmpty }.map { ($0.0, $0.1) }
    }

    func testShopPhonesComeOnAboutOnePercentOfPaymentsEachWithManyCards() throws {
        let none = try rows(trapped().withoutLinkageTraps)
        let pairs = population(try rows(only(\.shopPhoneShare)), none)
        let shopDigits = ["4155550123", "8005550199", "2125550147"]
        var cards: [String: Set<String>] = [:]
        var count = 0
        for (on, off) in pairs where on.phone != off.phone {
            let digits = on.phone.filter(\.isNumber)
            let number = try XCTUnwrap(shopDigits.first { digits.hasSuffix($0) }, on.phone)
            count += 1
            if !on.cardFingerprint.isEmpty { cards[number, default: []].insert(on.cardFingerprint) }
        }
        XCTAssertEqual(Double(count) / Double(pairs.count), 0.01, accuracy: 0.004)
        XCTAssertEqual(cards.count, 3)
        XCTAssertGreaterThan(cards.values.map(\.count).min() ?? 0, 10, "each shop phone is seen with many cards")
    }

    func testTyposDropDoubleOrSwapOneCharacterOfTheLocalPart() throws {
        let none = try rows(trapped().withoutLinkageTraps)
        let pairs = population(try rows(only(\.emailTypoShare)), none)
        var kinds: [String: Int] = [:]
        for (on, off) in pairs where on.email != off.email {
            let typo = on.email.split(separator: "@"), plain = off.email.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "@")
            XCTAssertEqual(typo.count, 2, on.email)
            XCTAssertEqual(typo.last, plain.last, "the domain stays")
            let (t, p) = (Array(typo[0]), Array(plain[0]))
            if t.count == p.count - 1 { kinds["dropped", default: 0] += 1 } else if t.count == p.count + 1 { kinds["doubled", default: 0] += 1 } else {
                let at = zip(t, p).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
                XCTAssertEqual(at.count, 2, "\(on.email) from \(off.email)")
                XCTAssertEqual(at.last.map { $0 - 1 }, at.first, "two neighbours swapped")
                kinds["swapped", default: 0] += 1
            }
        }
        let count = kinds.values.reduce(0, +)
        // About 1% of the payments that carry the person's email (91% of them; the rest have none or a placeholder).
        XCTAssertEqual(Double(count) / Double(pairs.count), 0.01 * 0.91, accuracy: 0.004)
        XCTAssertEqual(Set(kinds.keys), ["dropped", "doubled", "swapped"])
    }

    func testFamiliesShareOneEmailAndKeepTheirOwnCardsAndPhones() throws {
        let none = try rows(trapped().withoutLinkageTraps)
        let pairs = population(try rows(only(\.familyShare)), none)
        // Members by family email: the emails they had before (one per member).
        var members: [String: Set<String>] = [:]
        // The placeholder noemail@DOMAIN follows the email's domain; leave it out.
        for (on, off) in pairs where on.email != off.email && !off.email.isEmpty && !off.email.hasPrefix("noemail@") {
            XCTAssertTrue(on.email.lowercased().contains(".family"), on.email)
            XCTAssertEqual(on.phone, off.phone)
            XCTAssertEqual(on.cardFingerprint, off.cardFingerprint)
            members[on.email.trimmingCharacters(in: .whitespaces).lowercased(), default: []].insert(off.email.trimmingCharacters(in: .whitespaces).lowercased())
        }
        XCTAssertGreaterThan(members.count, 3)
        XCTAssertTrue(members.values.allSatisfy { (1...4).contains($0.count) })
        XCTAssertTrue(members.values.contains { $0.count >= 2 }, "households of several people")
    }

    func testCardSwitchesReplaceTheMainCardFromOneMomentOn() throws {
        let none = try rows(trapped().withoutLinkageTraps)
        let pairs = population(try rows(only(\.cardSwitchShare)), none)
        // Per old card: when the new one was first used, and whether the old was used after it.
        var switchedAt: [String: Int64] = [:]
        var replacement: [String: String] = [:]
        for (on, off) in pairs where on.cardFingerprint != off.cardFingerprint {
            XCTAssertNotEqual(on.cardFingerprint, "")
            XCTAssertEqual(replacement[off.cardFingerprint, default: on.cardFingerprint], on.cardFingerprint, "one new card per old card")
            replacement[off.cardFingerprint] = on.cardFingerprint
            switchedAt[off.cardFingerprint] = min(switchedAt[off.cardFingerprint] ?? .max, on.created)
        }
        XCTAssertGreaterThan(replacement.count, 20)
        for (on, off) in pairs where on.cardFingerprint == off.cardFingerprint {
            if let at = switchedAt[on.cardFingerprint] { XCTAssertLessThan(on.created, at, "an old card is not used after its switch") }
        }
    }
}
