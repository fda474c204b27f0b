import Codecs
import Foundation
import Ingest
import Pipeline

/// What one fuzz input is fed to.
enum FuzzTarget: String {
    /// The bytes as an export file: sniffed (zstd, gzip or plain), parsed, mapped, decoded.
    case decoder
    /// The bytes as a decompressed state archive.
    case archive

    /// The target a libFuzzer run feeds (`GUESTPIPE_FUZZ_TARGET`, default `decoder`).
    static let fromEnvironment = FuzzTarget(rawValue: ProcessInfo.processInfo.environment["GUESTPIPE_FUZZ_TARGET"] ?? "") ?? .decoder

    func run(_ bytes: [UInt8]) {
        switch self {
        case .decoder:
            _ = try? PaymentFileReader.readRecords(source: MemoryByteSource(bytes), name: "fuzz.csv", chunkSize: 4096,
                                                   onRecord: { payment in _ = payment.makePayment() }, onRejection: { _ in })
        case .archive:
            StateArchiveCheck.decode(bytes)
        }
    }
}
