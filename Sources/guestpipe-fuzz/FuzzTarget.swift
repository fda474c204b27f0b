import Codecs
import Ingest
import Pipeline

/// What one fuzz input is fed to.
enum FuzzTarget: String {
    /// The bytes as an export file: sniffed (zstd, gzip or plain), parsed, mapped, decoded.
    case decoder
    /// The bytes as a decompressed state archive.
    case archive

    nonisolated(unsafe) static var selected = FuzzTarget.decoder

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
