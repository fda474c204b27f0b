/// Where a value came from: the input file, the physical line a record starts on, the record's
/// number (1 = first data row after the header) and, when known, the column.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: UInt64
    public var record: UInt64
    public var column: String?

    public init(file: String, line: UInt64 = 0, record: UInt64 = 0, column: String? = nil) {
        self.file = file
        self.line = line
        self.record = record
        self.column = column
    }

    /// `file:line (record N), column "X"`, on one line whatever the file or column name holds.
    public var description: String {
        var text = MessageText.escaped(file)
        if line > 0 { text += ":\(line)" }
        if record > 0 { text += " (record \(record))" }
        if let column { text += ", column \"\(MessageText.safe(column))\"" }
        return text
    }
}

/// A payment's state, mapped from the export's `Status` column.
public enum PaymentStatus: String, Sendable, CaseIterable {
    /// `Paid` (warehouse `succeeded`); may carry a partial refund.
    case succeeded
    /// `Refunded`: succeeded, then fully refunded. Counts as succeeded in totals.
    case refunded
    case failed
    case pending
    /// A PaymentIntent that never became a charge (`requires_payment_method`, `canceled`, …,
    /// or an empty `id`). Kept and listed; never a guest payment and in no total.
    case incomplete

    /// Succeeded for gross totals: `Paid` or `Refunded`.
    public var isSucceeded: Bool { self == .succeeded || self == .refunded }
}

/// Live or test mode, from the `Mode` column when present.
public enum PaymentMode: String, Sendable, CaseIterable {
    case live, test, unknown
}

/// The columns a payment can carry. A later export replaces an earlier copy of a payment
/// column by column, and only for the columns it has, so each payment remembers which it had.
public struct PaymentFields: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// One payment as read from an export, decoded and with card numbers redacted.
public struct Payment: Sendable {
    /// Charge id (`ch_…`, `py_…`); empty for an incomplete PaymentIntent.
    public var id: String = ""
    public var paymentIntentID: String = ""
    /// Creation time, seconds since the epoch, UTC.
    public var created: Int64 = 0
    /// Nil only on incomplete rows that carry no currency.
    public var currency: Currency?
    public var amount: Int64 = 0
    public var amountRefunded: Int64 = 0
    public var status: PaymentStatus = .incomplete
    /// The status text as exported, for reports and look-ups.
    public var rawStatus: String = ""
    public var mode: PaymentMode = .unknown
    public var customerID: String = ""
    public var description: String = ""
    public var paymentSourceType: String = ""
    public var declineReason: String = ""

    public var cardFingerprint: String = ""
    public var cardLast4: String = ""
    public var cardBrand: String = ""
    public var cardFunding: String = ""
    public var cardIssueCountry: String = ""
    public var billingCountry: String = ""
    public var billingPostalCode: String = ""
    public var cvcCheck: String = ""
    public var avsZipCheck: String = ""
    public var avsLine1Check: String = ""
    public var name: String = ""
    public var email: String = ""
    public var phone: String = ""
    public var terminalReaderID: String = ""

    public var disputedAmount: Int64 = 0
    public var disputeStatus: String = ""
    public var disputeReason: String = ""
    /// Dispute date, seconds since the epoch; nil when absent.
    public var disputeDate: Int64?

    public var riskLevel: String = ""
    public var riskScore: String = ""
    /// `<key> (metadata)` columns with a value, in file order.
    public var metadata: [(key: String, value: String)] = []

    /// The columns the source file carried for this payment.
    public var fields: PaymentFields = []
    /// Where the row was read.
    public var source: SourceLocation

    public init(source: SourceLocation) { self.source = source }

    /// The identity used to deduplicate: `id`, or the PaymentIntent ID when `id` is empty.
    public var key: String { id.isEmpty ? paymentIntentID : id }

    /// A guest payment: not incomplete, and no customer id.
    public var isGuest: Bool { status != .incomplete && customerID.isEmpty }

    /// A dispute (not an inquiry): a dispute status that does not start with `warning_`.
    public var isDispute: Bool { !disputeStatus.isEmpty && !disputeStatus.hasPrefix("warning_") }
}
