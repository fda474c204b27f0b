// swift-tools-version:6.0
// guestpipe: Stripe guest payments -> guest customers, as a streaming batch pipeline.
// The package reads as the pipeline: C libraries -> codecs -> ingest -> (grouping -> reports)
// -> command line. Dependencies point one way, from left to right.
//
// Linux only (glibc): CPlatform calls renameat2(RENAME_EXCHANGE) for atomic publication and
// mallopt(M_ARENA_MAX), and the code imports Glibc; there is no macOS (Darwin) build. No
// `platforms:` entry is given because SwiftPM's platform list only names Apple platforms.
import PackageDescription

let package = Package(
    name: "guestpipe",
    products: [
        .executable(name: "guestpipe", targets: ["guestpipe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // MARK: C libraries from Debian (system-library targets)
        .systemLibrary(name: "CCSV", path: "Sources/CCSV", providers: [.apt(["libcsv-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Google's libphonenumber (C++), wrapped behind one C function for phone normalisation,
        // with a fast path for digit-only numbers that reads libphonenumber's metadata (protobuf).
        .target(name: "CPhoneNumber", linkerSettings: [.linkedLibrary("phonenumber"), .linkedLibrary("protobuf")]),
        // The fast path against libphonenumber's Parse, for GroupingTests and Benchmarks/phones.sh.
        .target(name: "CPhoneDifferential", dependencies: ["CPhoneNumber"],
                linkerSettings: [.linkedLibrary("phonenumber"), .linkedLibrary("protobuf")]),
        // Linux calls Swift's Glibc module lacks (renameat2 RENAME_EXCHANGE for atomic publication).
        .target(name: "CPlatform"),
        // Batches libcsv's per-field callbacks in C, so Swift sees whole rows (see csv_batch.h).
        .target(name: "CSVBatch", dependencies: ["CCSV"]),

        // MARK: Value types, no I/O: Payment, Money, Currency, SourceLocation, Redactor, errors
        .target(name: "GuestPipeCore"),

        // MARK: Byte streams: zstd / gzip / plain decoding, zstd encoding
        .target(name: "Codecs", dependencies: ["GuestPipeCore", "CZstd", "CZlib"]),

        // MARK: Stage 1 — reading exports: CSV records, header profiles, payment decoding, rejects
        .target(name: "Ingest", dependencies: ["GuestPipeCore", "Codecs", "CSVBatch", "CPhoneNumber"]),

        // MARK: Stage 2 — grouping guest payments into guests: identifiers, policies, guest ids
        .target(name: "Grouping", dependencies: [
            "GuestPipeCore", "CPhoneNumber", "CPlatform", .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // MARK: Fraud review: signals per guest (one per file), card-testing bursts, network ratios
        .target(name: "FraudReview", dependencies: ["GuestPipeCore", "Grouping"]),

        // MARK: Stage 3 — writers of every output (NDJSON, CSV reports)
        .target(name: "Reports", dependencies: ["GuestPipeCore", "Codecs", "Grouping", "FraudReview", .product(name: "Crypto", package: "swift-crypto")]),

        // MARK: Synthetic exports for demos, tests and benchmarks
        .target(name: "SampleData", dependencies: ["GuestPipeCore", "Codecs"]),

        // MARK: The pipeline: wires the stages, orders exports, publishes outputs atomically
        .target(name: "Pipeline", dependencies: [
            "GuestPipeCore", "Codecs", "Ingest", "Grouping", "FraudReview", "Reports", "CPlatform",
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // MARK: The thin command line
        .executableTarget(name: "guestpipe", dependencies: [
            "GuestPipeCore", "Codecs", "Ingest", "Grouping", "Reports", "Pipeline", "SampleData", "CPlatform",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: Fuzz targets: the export reader and the state-archive decoder (libFuzzer with
        // `swift build --sanitize=fuzzer`; an ordinary build replays files, see scripts/fuzz)
        .executableTarget(name: "guestpipe-fuzz", dependencies: ["Codecs", "Ingest", "Pipeline"]),

        // MARK: The phone fast path's differential run and timings, for Benchmarks/phones.sh
        .executableTarget(name: "guestpipe-phone-differential", dependencies: ["CPhoneDifferential"]),

        // MARK: Test support and tests (one target per module, plus end-to-end)
        .target(name: "GuestPipeTestSupport", dependencies: ["GuestPipeCore"]),
        .testTarget(name: "GuestPipeCoreTests", dependencies: ["GuestPipeCore", "GuestPipeTestSupport"]),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "GuestPipeTestSupport"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Codecs", "SampleData", "GuestPipeTestSupport"]),
        .testTarget(name: "GroupingTests", dependencies: ["Grouping", "Ingest", "Codecs", "Pipeline", "CPhoneDifferential", "GuestPipeTestSupport"]),
        .testTarget(name: "FraudReviewTests", dependencies: ["FraudReview", "Grouping", "Ingest", "Codecs", "Pipeline", "SampleData", "GuestPipeTestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "GuestPipeTestSupport"]),
        // GRDB: the upgrade tests turn a state back into what an older guestpipe wrote.
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Grouping", "SampleData", "GuestPipeTestSupport",
                                                          .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SampleDataTests", dependencies: ["SampleData", "Ingest", "GuestPipeTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["guestpipe", "Grouping", "Reports", "Pipeline", "GuestPipeTestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
