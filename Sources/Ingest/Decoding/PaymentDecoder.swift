import GuestPipeCore

/// Turns CSV records of one file into payments, or into rejections that say why not.
/// Works on the record's bytes directly: numbers, times, status and currency are parsed without
/// making strings, and text fields stay bytes in the record (`PaymentRecord.withText`) until a
/// caller asks for them, trimmed and with card numbers redacted.
public final class PaymentDecoder {
    /// Stripe ids are a few dozen characters; anything longer is not an id.
    public static let maximumIDBytes = 255
    public let mapping: HeaderMapping
    public let file: String
    fileprivate let columnIndexes: [Int]
    private let minorUnits: Bool
    /// Rows in which some text was not valid UTF-8 (kept, bytes replaced by U+FFFD).
    public private(set) var rowsWithInvalidUTF8: UInt64 = 0
    /// Text fields in which a card number was masked.
    public private(set) var redactedFields: UInt64 = 0
    /// The last record counted in `rowsWithInvalidUTF8` (a row counts once).
    private var lastInvalidRecord: UInt64 = .max

    private let fields: PaymentFields
    fileprivate let decodesMetadata: Bool

    /// `columns` limits decoding to the columns a caller needs (the required ones are always
    /// decoded); nil decodes everything. Skipped columns stay empty and are not marked present.
    public init(mapping: HeaderMapping, file: String, columns: Set<PaymentColumn>? = nil) {
        self.mapping = mapping
        self.file = file
        var indexes = mapping.indexes
        var fields = mapping.fields
        if let columns {
            for column in PaymentColumn.allCases where !columns.contains(column) && !ExportProfile.required.contains(column) {
                indexes[column.rawValue] = -1
                fields.remove(column.field)
            }
        }
        columnIndexes = indexes
        self.fields = fields
        decodesMetadata = columns == nil
        minorUnits = mapping.profile.amountsInMinorUnits
    }

    public enum RecordOutcome {
        case payment(PaymentRecord)
        case rejection(Rejection)
    }

    /// Decodes one data record: its numbers, times, status and currency are checked and parsed;
    /// its text stays in the record, valid as long as the record is.
    public func decodeRecord(_ record: CSVRecord) -> RecordOutcome {
        guard record.count == mapping.headers.count else {
            return reject(record, nil, .fieldCount,
                          "expected \(mapping.headers.count) fields as in the header, found \(record.count)")
        }
        var payment = PaymentRecord(record: record, decoder: self)
        payment.fields = fields
        // A row without an id is an incomplete PaymentIntent (the "Default" export has no
        // PaymentIntent ID column at all: such rows are keyed by their content, see `withKey`).
        let hasID = !isBlank(field(record, .id))
        if field(record, .id).count > PaymentDecoder.maximumIDBytes || field(record, .paymentIntentID).count > PaymentDecoder.maximumIDBytes {
            return reject(record, hasID ? .id : .paymentIntentID, .badID,
                          "the payment id is longer than \(PaymentDecoder.maximumIDBytes) bytes; Stripe ids are short (ch_…, py_…, pi_…)")
        }
        guard let status = mapStatus(record) else {
            return reject(record, .status, .badStatus,
                          "unknown status \"\(MessageText.safe(text(record, .status)))\" (expected Paid, Refunded, Failed, Pending or a PaymentIntent state)")
        }
        payment.status = hasID ? status : .incomplete
        let incomplete = payment.status == .incomplete

        let currencyBytes = field(record, .currency)
        if let currency = Currency.from(bytes: currencyBytes) {
            payment.currency = currency
        } else if isBlank(currencyBytes) {
            if !incomplete {
                return reject(record, .currency, .badCurrency, "the currency is empty")
            }
        } else {
            return reject(record, .currency, .badCurrency, "unknown currency code \"\(MessageText.safe(text(record, .currency)))\"")
        }

        guard let created = UTCTime.parse(field(record, .created)) else {
            return reject(record, .created, .badTime,
                          "cannot read the creation time \"\(MessageText.safe(text(record, .created)))\" (expected e.g. 2024-09-20 17:40:57)")
        }
        payment.created = created

        let exponent = payment.currency?.exponent ?? 2
        switch amount(record, .amount, exponent: exponent) {
        case .success(let value): payment.amount = value
        case .failure(.empty) where incomplete: payment.amount = 0
        case .failure(let error): return rejectAmount(record, .amount, error, payment.currency)
        }
        switch amount(record, .amountRefunded, exponent: exponent) {
        case .success(let value): payment.amountRefunded = value
        case .failure(.empty): break
        case .failure(let error): return rejectAmount(record, .amountRefunded, error, payment.currency)
        }
        switch amount(record, .disputedAmount, exponent: exponent) {
        case .success(let value): payment.disputedAmount = value
        case .failure(.empty): break
        case .failure(let error): return rejectAmount(record, .disputedAmount, error, payment.currency)
        }
        if has(.disputeDate) {
            let raw = field(record, .disputeDate)
            if !isBlank(raw) {
                guard let date = UTCTime.parse(raw) else {
                    return reject(record, .disputeDate, .badTime, "cannot read the dispute date \"\(MessageText.safe(text(record, .disputeDate)))\"")
                }
                payment.disputeDate = date
            }
        }
        payment.hasCustomer = !isBlank(field(record, .customerID))
        payment.mode = mode(record)
        return .payment(payment)
    }

    // MARK: - Fields

    @inline(__always)
    fileprivate func has(_ column: PaymentColumn) -> Bool { columnIndexes[column.rawValue] >= 0 }

    /// The raw bytes of a column; empty when the file lacks it (or it is not decoded).
    @inline(__always)
    fileprivate func field(_ record: CSVRecord, _ column: PaymentColumn) -> UnsafeRawBufferPointer {
        let index = columnIndexes[column.rawValue]
        guard index >= 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return record[index]
    }

    /// A text column as a string: trimmed (except free text), card numbers redacted.
    fileprivate func text(_ record: CSVRecord, _ column: PaymentColumn) -> String {
        withText(record, column) { String(decoding: $0, as: UTF8.self) }
    }

    /// The cleaned bytes of a text column: trimmed unless free text (description, name); when
    /// the bytes are not valid UTF-8 or may hold a card number, the cleaned copy is made first.
    @inline(__always)
    fileprivate func withText<R>(_ record: CSVRecord, _ column: PaymentColumn,
                                 _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let raw = field(record, column)
        var start = 0
        var end = raw.count
        if column != .description && column != .name {
            while start < end, isSpace(raw[start]) { start += 1 }
            while end > start, isSpace(raw[end - 1]) { end -= 1 }
        }
        if start == end { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        let bytes = UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + start, count: end - start)
        var nonASCII = false
        var digits = 0
        if bytes.count >= 13 {
            for byte in bytes {
                nonASCII = nonASCII || byte >= 0x80
                digits &+= byte &- 0x30 < 10 ? 1 : 0
            }
        } else {
            // Too short to hold a card number: only the UTF-8 check is needed.
            var bits: UInt8 = 0
            for byte in bytes { bits |= byte }
            nonASCII = bits >= 0x80
        }
        if !nonASCII && digits < 13 { return try body(bytes) }
        // A phone column's value that libphonenumber accepts as a possible number is a phone,
        // even when its digits would pass for a card number.
        let mayHoldCard = digits >= 13 && !(column == .phone && PhoneNumbers.isPossible(bytes))
        var string = cleaned(bytes, checkUTF8: nonASCII, mayHoldCard: mayHoldCard, record: record)
        return try string.withUTF8(body)
    }

    private func cleaned(_ bytes: UnsafeBufferPointer<UInt8>, checkUTF8: Bool, mayHoldCard: Bool, record: CSVRecord) -> String {
        if checkUTF8, !isValidUTF8(bytes), lastInvalidRecord != record.number {
            lastInvalidRecord = record.number
            rowsWithInvalidUTF8 += 1
        }
        var string = String(decoding: bytes, as: UTF8.self)
        if mayHoldCard {
            let redacted = CardNumberRedactor.redact(string)
            if redacted != string {
                redactedFields += 1
                string = redacted
            }
        }
        return string
    }

    private func amount(_ record: CSVRecord, _ column: PaymentColumn, exponent: Int) -> Result<Int64, MinorUnits.ParseError> {
        let index = columnIndexes[column.rawValue]
        guard index >= 0 else { return .failure(.empty) }
        return minorUnits ? MinorUnits.parseInteger(record[index]) : MinorUnits.parseDecimal(record[index], exponent: exponent)
    }

    private func mode(_ record: CSVRecord) -> PaymentMode {
        if has(.mode) {
            switch lowercasedWord(record, .mode) {
            case "live": return .live
            case "test": return .test
            default: return .unknown
            }
        }
        if has(.livemode) {
            switch lowercasedWord(record, .livemode) {
            case "true", "t", "1": return .live
            case "false", "f", "0": return .test
            default: return .unknown
            }
        }
        return .unknown
    }

    /// A short code column (status, mode, flags) trimmed and lower-cased; the exports' codes fit
    /// in a small string, so this makes no heap allocation.
    private func lowercasedWord(_ record: CSVRecord, _ column: PaymentColumn) -> String {
        withText(record, column) { bytes in
            if !bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return String(decoding: bytes, as: UTF8.self) }
            return String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
    }

    private func mapStatus(_ record: CSVRecord) -> PaymentStatus? {
        switch lowercasedWord(record, .status) {
        case "paid": return .succeeded
        case "succeeded":
            if has(.refundedFlag), ["true", "t", "1"].contains(lowercasedWord(record, .refundedFlag)) { return .refunded }
            return .succeeded
        case "refunded": return .refunded
        case "failed": return .failed
        case "pending", "uncaptured": return .pending
        case "requires_payment_method", "requires_confirmation", "requires_action", "requires_capture",
             "processing", "canceled", "cancelled", "incomplete", "":
            return .incomplete
        default: return nil
        }
    }

    // MARK: - Rejections

    private func rejectAmount(_ record: CSVRecord, _ column: PaymentColumn,
                              _ error: MinorUnits.ParseError, _ currency: Currency?) -> RecordOutcome {
        let value = record[columnIndexes[column.rawValue]]
        let shown = MessageText.safe(String(decoding: value, as: UTF8.self))
        let why: String
        switch error {
        case .empty: why = "is empty"
        case .notADecimal: why = "is not a plain decimal (digits and an optional '.')"
        case .tooManyDecimals(let allowed): why = "has more than \(allowed) decimals allowed for \(currency?.code ?? "the currency")"
        case .tooLarge: why = "is too large"
        }
        return reject(record, column, .badAmount, "the amount \"\(shown)\" \(why)")
    }

    private func reject(_ record: CSVRecord, _ column: PaymentColumn?,
                        _ reason: Rejection.Reason, _ message: String) -> RecordOutcome {
        var location = SourceLocation(file: file, line: record.line, record: record.number)
        if let column, columnIndexes[column.rawValue] >= 0 {
            location.column = mapping.headers[columnIndexes[column.rawValue]]
        }
        let fields = (0..<record.count).map { CardNumberRedactor.redact(record.string($0)) }
        return .rejection(Rejection(location: location, reason: reason, message: message, fields: fields))
    }
}

/// One decoded payment row whose text is still in the CSV record: numbers, times, status and
/// currency are parsed; text is read with `withText` (cleaned bytes, no string made) or
/// `makePayment`. Valid only while its record is, i.e. during the reader's callback.
public struct PaymentRecord {
    public let record: CSVRecord
    private let decoder: PaymentDecoder
    public var created: Int64 = 0
    /// Nil only on incomplete rows that carry no currency.
    public var currency: Currency?
    public var amount: Int64 = 0
    public var amountRefunded: Int64 = 0
    public var disputedAmount: Int64 = 0
    /// Dispute date, seconds since the epoch; nil when absent.
    public var disputeDate: Int64?
    public var status: PaymentStatus = .incomplete
    public var mode: PaymentMode = .unknown
    /// A customer id is set (not a guest payment).
    public var hasCustomer = false
    /// The columns the source file carried for this payment.
    public var fields: PaymentFields = []

    init(record: CSVRecord, decoder: PaymentDecoder) {
        self.record = record
        self.decoder = decoder
    }

    /// Physical line the row starts on.
    public var line: UInt64 { record.line }

    /// A guest payment: not incomplete, and no customer id.
    public var isGuest: Bool { status != .incomplete && !hasCustomer }

    /// The cleaned bytes of a text column (trimmed unless free text, card numbers redacted,
    /// invalid UTF-8 replaced); empty when the file lacks the column. Each call cleans again and
    /// counts what it redacted, so read each column once.
    @inline(__always)
    public func withText<R>(_ column: PaymentColumn, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try decoder.withText(record, column, body)
    }

    /// `withText` for a body that returns a pool id: not generic, so a caller in another
    /// module (the reader's batches, for ~20 columns of every row) gets a specialised call.
    @inline(__always)
    public func withText(_ column: PaymentColumn, _ body: (UnsafeBufferPointer<UInt8>) -> UInt32) -> UInt32 {
        decoder.withText(record, column, body)
    }

    /// `withEmail` for a body that returns a pool id (see the `withText` overload).
    public func withEmail(_ body: (UnsafeBufferPointer<UInt8>) -> UInt32) -> UInt32 {
        withText(emailColumn, body)
    }

    /// `withDisputeStatus` for a body that returns a pool id (see the `withText` overload).
    public func withDisputeStatus(_ body: (UnsafeBufferPointer<UInt8>) -> UInt32) -> UInt32 {
        guard disputeStatusIsUnknown else { return withText(.disputeStatus, body) }
        var unknown = "unknown"
        return unknown.withUTF8(body)
    }

    /// The payment's email: `Customer Email`, else the receipt email.
    public func withEmail<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withText(emailColumn, body)
    }

    /// The dispute status; `unknown` when only a dispute id says there is one.
    public func withDisputeStatus<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard disputeStatusIsUnknown else { return try withText(.disputeStatus, body) }
        var unknown = "unknown"
        return try unknown.withUTF8(body)
    }

    /// The column the email comes from: `Customer Email` unless it is blank and the file has
    /// a receipt email.
    private var emailColumn: PaymentColumn {
        !isBlank(decoder.field(record, .email)) || !decoder.has(.receiptEmail) ? .email : .receiptEmail
    }

    /// No dispute status, but a dispute id says there is a dispute.
    private var disputeStatusIsUnknown: Bool {
        isBlank(decoder.field(record, .disputeStatus)) && !isBlank(decoder.field(record, .disputeID))
    }

    /// The deduplication key: `id`, else the PaymentIntent ID, else (a "Default" export's
    /// abandoned checkout carries neither) `row_` and a hash of the whole row, so the same row
    /// in two overlapping exports is one payment.
    public func withKey<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if !isBlank(decoder.field(record, .id)) { return try withText(.id, body) }
        if !isBlank(decoder.field(record, .paymentIntentID)) { return try withText(.paymentIntentID, body) }
        var key = RowKey.of(record)
        return try key.withUTF8(body)
    }

    /// A text column as a string.
    public func text(_ column: PaymentColumn) -> String {
        withText(column) { String(decoding: $0, as: UTF8.self) }
    }

    /// The whole payment with every decoded text column as a string.
    public func makePayment() -> Payment {
        var payment = Payment(source: SourceLocation(file: decoder.file, line: record.line, record: record.number))
        payment.fields = fields
        payment.created = created
        payment.currency = currency
        payment.amount = amount
        payment.amountRefunded = amountRefunded
        payment.disputedAmount = disputedAmount
        payment.disputeDate = disputeDate
        payment.status = status
        payment.mode = mode
        payment.id = text(.id)
        payment.paymentIntentID = text(.paymentIntentID)
        payment.rawStatus = text(.status)
        payment.customerID = text(.customerID)
        payment.description = text(.description)
        payment.paymentSourceType = text(.paymentSourceType)
        payment.declineReason = text(.declineReason)
        payment.cardFingerprint = text(.cardFingerprint)
        payment.cardLast4 = text(.cardLast4)
        payment.cardBrand = text(.cardBrand)
        payment.cardFunding = text(.cardFunding)
        payment.cardIssueCountry = text(.cardIssueCountry)
        payment.billingCountry = text(.billingCountry)
        payment.billingPostalCode = text(.billingPostalCode)
        payment.cvcCheck = text(.cvcCheck)
        payment.avsZipCheck = text(.avsZipCheck)
        payment.avsLine1Check = text(.avsLine1Check)
        payment.name = text(.name)
        payment.email = withEmail { String(decoding: $0, as: UTF8.self) }
        payment.phone = text(.phone)
        payment.terminalReaderID = text(.terminalReaderID)
        payment.disputeStatus = withDisputeStatus { String(decoding: $0, as: UTF8.self) }
        payment.disputeReason = text(.disputeReason)
        payment.riskLevel = text(.riskLevel)
        payment.riskScore = text(.riskScore)
        if decoder.decodesMetadata {
            for (key, index) in decoder.mapping.metadata {
                let raw = record[index]
                if !isBlank(raw) { payment.metadata.append((key, decoder.metadataText(record, raw))) }
            }
        }
        return payment
    }
}

extension PaymentDecoder {
    /// A metadata value: kept as written (not trimmed), card numbers redacted.
    fileprivate func metadataText(_ record: CSVRecord, _ raw: UnsafeRawBufferPointer) -> String {
        let bytes = UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count)
        var nonASCII = false
        var digits = 0
        for byte in bytes {
            nonASCII = nonASCII || byte >= 0x80
            digits &+= byte &- 0x30 < 10 ? 1 : 0
        }
        return cleaned(bytes, checkUTF8: nonASCII, mayHoldCard: digits >= 13, record: record)
    }
}

/// The key of a row that has no id of its own: `row_` and 32 hex digits of two 64-bit FNV-1a
/// hashes over its fields (with their boundaries).
enum RowKey {
    static func of(_ record: CSVRecord) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325, second: UInt64 = 0x6c62_272e_07bb_0142
        func mix(_ byte: UInt8) {
            first = (first ^ UInt64(byte)) &* 0x100_0000_01b3
            second = (second ^ UInt64(byte)) &* 0x100_0000_01b3 ^ (second >> 29)
        }
        for index in 0..<record.count {
            for byte in record[index] { mix(byte) }
            mix(0x1F)
        }
        let hex = Array("0123456789abcdef".utf8)
        var bytes = Array("row_".utf8)
        for word in [first, second] {
            for shift in stride(from: 60, through: 0, by: -4) { bytes.append(hex[Int(word >> UInt64(shift) & 0xF)]) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Strict UTF-8 validation (overlongs, surrogates and out-of-range scalars are invalid).
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    let count = bytes.count
    while index < count {
        let lead = bytes[index]
        if lead < 0x80 { index += 1; continue }
        let length: Int
        var scalar: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; scalar = UInt32(lead & 0x07)
        default: return false
        }
        guard index + length <= count else { return false }
        for offset in 1..<length {
            let next = bytes[index + offset]
            guard next & 0xC0 == 0x80 else { return false }
            scalar = scalar << 6 | UInt32(next & 0x3F)
        }
        if (length == 3 && (scalar < 0x800 || (0xD800...0xDFFF).contains(scalar))) || (length == 4 && (scalar < 0x10000 || scalar > 0x10FFFF)) {
            return false
        }
        index += length
    }
    return true
}

@inline(__always)
private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

@inline(__always)
private func isBlank(_ raw: UnsafeRawBufferPointer) -> Bool {
    for byte in raw where !isSpace(byte) { return false }
    return true
}
