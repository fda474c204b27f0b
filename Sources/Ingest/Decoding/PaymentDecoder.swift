import GuestPipeCore

/// Turns CSV records of one file into payments, or into rejections that say why not.
/// Works on the record's bytes directly: numbers and times are parsed without making strings,
/// and text fields become strings only once, trimmed and with card numbers redacted.
public final class PaymentDecoder {
    public let mapping: HeaderMapping
    public let file: String
    private let columnIndexes: [Int]
    private let minorUnits: Bool
    /// Rows in which some text was not valid UTF-8 (kept, bytes replaced by U+FFFD).
    public private(set) var rowsWithInvalidUTF8: UInt64 = 0
    /// Text fields in which a card number was masked.
    public private(set) var redactedFields: UInt64 = 0
    private var rowHadInvalidUTF8 = false

    private let fields: PaymentFields
    private let decodesMetadata: Bool

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

    public enum Outcome {
        case payment(Payment)
        case rejection(Rejection)
    }

    /// Decodes one data record.
    public func decode(_ record: CSVRecord) -> Outcome {
        let location = SourceLocation(file: file, line: record.line, record: record.number)
        guard record.count == mapping.headers.count else {
            return reject(record, location, nil, .fieldCount,
                          "expected \(mapping.headers.count) fields as in the header, found \(record.count)")
        }
        rowHadInvalidUTF8 = false
        var payment = Payment(source: location)
        payment.fields = fields
        payment.id = text(record, .id)
        payment.paymentIntentID = text(record, .paymentIntentID)
        if payment.id.isEmpty && payment.paymentIntentID.isEmpty {
            return reject(record, location, .id, .missingID, "the row has neither an id nor a PaymentIntent ID")
        }

        payment.rawStatus = text(record, .status)
        guard let status = mapStatus(payment.rawStatus, record: record) else {
            return reject(record, location, .status, .badStatus,
                          "unknown status \"\(payment.rawStatus)\" (expected Paid, Refunded, Failed, Pending or a PaymentIntent state)")
        }
        payment.status = payment.id.isEmpty ? .incomplete : status
        let incomplete = payment.status == .incomplete

        let currencyBytes = record[columnIndexes[PaymentColumn.currency.rawValue]]
        if let currency = Currency.from(bytes: currencyBytes) {
            payment.currency = currency
        } else if isBlank(currencyBytes) {
            if !incomplete {
                return reject(record, location, .currency, .badCurrency, "the currency is empty")
            }
        } else {
            return reject(record, location, .currency, .badCurrency, "unknown currency code \"\(text(record, .currency))\"")
        }

        guard let created = time(record, .created) else {
            return reject(record, location, .created, .badTime,
                          "cannot read the creation time \"\(text(record, .created))\" (expected e.g. 2024-09-20 17:40:57)")
        }
        payment.created = created

        let exponent = payment.currency?.exponent ?? 2
        switch amount(record, .amount, exponent: exponent) {
        case .success(let value): payment.amount = value
        case .failure(.empty) where incomplete: payment.amount = 0
        case .failure(let error): return rejectAmount(record, location, .amount, error, payment.currency)
        }
        switch amount(record, .amountRefunded, exponent: exponent) {
        case .success(let value): payment.amountRefunded = value
        case .failure(.empty): break
        case .failure(let error): return rejectAmount(record, location, .amountRefunded, error, payment.currency)
        }
        switch amount(record, .disputedAmount, exponent: exponent) {
        case .success(let value): payment.disputedAmount = value
        case .failure(.empty): break
        case .failure(let error): return rejectAmount(record, location, .disputedAmount, error, payment.currency)
        }
        if has(.disputeDate) {
            let raw = record[columnIndexes[PaymentColumn.disputeDate.rawValue]]
            if !isBlank(raw) {
                guard let date = UTCTime.parse(raw) else {
                    return reject(record, location, .disputeDate, .badTime, "cannot read the dispute date \"\(text(record, .disputeDate))\"")
                }
                payment.disputeDate = date
            }
        }

        payment.customerID = text(record, .customerID)
        payment.mode = mode(record)
        payment.description = text(record, .description)
        payment.paymentSourceType = text(record, .paymentSourceType)
        payment.declineReason = text(record, .declineReason)
        payment.cardFingerprint = text(record, .cardFingerprint)
        payment.cardLast4 = text(record, .cardLast4)
        payment.cardBrand = text(record, .cardBrand)
        payment.cardFunding = text(record, .cardFunding)
        payment.cardIssueCountry = text(record, .cardIssueCountry)
        payment.billingCountry = text(record, .billingCountry)
        payment.billingPostalCode = text(record, .billingPostalCode)
        payment.cvcCheck = text(record, .cvcCheck)
        payment.avsZipCheck = text(record, .avsZipCheck)
        payment.avsLine1Check = text(record, .avsLine1Check)
        payment.name = text(record, .name)
        payment.email = text(record, .email)
        if payment.email.isEmpty { payment.email = text(record, .receiptEmail) }
        payment.phone = text(record, .phone)
        payment.terminalReaderID = text(record, .terminalReaderID)
        payment.disputeStatus = text(record, .disputeStatus)
        if payment.disputeStatus.isEmpty, !text(record, .disputeID).isEmpty { payment.disputeStatus = "unknown" }
        payment.disputeReason = text(record, .disputeReason)
        payment.riskLevel = text(record, .riskLevel)
        payment.riskScore = text(record, .riskScore)
        for (key, index) in mapping.metadata where decodesMetadata {
            let raw = record[index]
            if !isBlank(raw) { payment.metadata.append((key, makeString(raw, trim: false))) }
        }
        if rowHadInvalidUTF8 { rowsWithInvalidUTF8 += 1 }
        return .payment(payment)
    }

    // MARK: - Fields

    @inline(__always)
    private func has(_ column: PaymentColumn) -> Bool { columnIndexes[column.rawValue] >= 0 }

    /// A text column, trimmed, card numbers redacted; empty when the file lacks the column.
    @inline(__always)
    private func text(_ record: CSVRecord, _ column: PaymentColumn) -> String {
        let index = columnIndexes[column.rawValue]
        guard index >= 0 else { return "" }
        return makeString(record[index], trim: column != .description && column != .name)
    }

    private func makeString(_ raw: UnsafeRawBufferPointer, trim: Bool) -> String {
        var start = 0
        var end = raw.count
        if trim {
            while start < end, isSpace(raw[start]) { start += 1 }
            while end > start, isSpace(raw[end - 1]) { end -= 1 }
        }
        if start == end { return "" }
        let bytes = UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + start, count: end - start)
        var nonASCII = false
        var digits = 0
        for byte in bytes {
            nonASCII = nonASCII || byte >= 0x80
            digits &+= byte &- 0x30 < 10 ? 1 : 0
        }
        var string: String
        if nonASCII, !isValidUTF8(bytes) {
            rowHadInvalidUTF8 = true
        }
        string = String(decoding: bytes, as: UTF8.self)
        if digits >= 13 {
            let redacted = CardNumberRedactor.redact(string)
            if redacted != string {
                redactedFields += 1
                string = redacted
            }
        }
        return string
    }

    private func time(_ record: CSVRecord, _ column: PaymentColumn) -> Int64? {
        UTCTime.parse(record[columnIndexes[column.rawValue]])
    }

    private func amount(_ record: CSVRecord, _ column: PaymentColumn, exponent: Int) -> Result<Int64, MinorUnits.ParseError> {
        let index = columnIndexes[column.rawValue]
        guard index >= 0 else { return .failure(.empty) }
        return minorUnits ? MinorUnits.parseInteger(record[index]) : MinorUnits.parseDecimal(record[index], exponent: exponent)
    }

    private func mode(_ record: CSVRecord) -> PaymentMode {
        if has(.mode) {
            switch text(record, .mode).lowercased() {
            case "live": return .live
            case "test": return .test
            default: return .unknown
            }
        }
        if has(.livemode) {
            switch text(record, .livemode).lowercased() {
            case "true", "t", "1": return .live
            case "false", "f", "0": return .test
            default: return .unknown
            }
        }
        return .unknown
    }

    private func mapStatus(_ raw: String, record: CSVRecord) -> PaymentStatus? {
        switch raw.lowercased() {
        case "paid": return .succeeded
        case "succeeded":
            if has(.refundedFlag), ["true", "t", "1"].contains(text(record, .refundedFlag).lowercased()) { return .refunded }
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

    private func rejectAmount(_ record: CSVRecord, _ location: SourceLocation, _ column: PaymentColumn,
                                       _ error: MinorUnits.ParseError, _ currency: Currency?) -> Outcome {
        let value = record[columnIndexes[column.rawValue]]
        let shown = CardNumberRedactor.redact(String(decoding: value, as: UTF8.self))
        let why: String
        switch error {
        case .empty: why = "is empty"
        case .notADecimal: why = "is not a plain decimal (digits and an optional '.')"
        case .tooManyDecimals(let allowed): why = "has more than \(allowed) decimals allowed for \(currency?.code ?? "the currency")"
        case .tooLarge: why = "is too large"
        }
        return reject(record, location, column, .badAmount, "the amount \"\(shown)\" \(why)")
    }

    private func reject(_ record: CSVRecord, _ location: SourceLocation, _ column: PaymentColumn?,
                                 _ reason: Rejection.Reason, _ message: String) -> Outcome {
        var where_ = location
        if let column, columnIndexes[column.rawValue] >= 0 {
            where_.column = mapping.headers[columnIndexes[column.rawValue]]
        }
        let fields = (0..<record.count).map { CardNumberRedactor.redact(record.string($0)) }
        return .rejection(Rejection(location: where_, reason: reason, message: message, fields: fields))
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
