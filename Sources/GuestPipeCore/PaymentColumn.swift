/// The payment attributes guestpipe reads from an export, whatever the header calls them.
/// Each has a bit in `PaymentFields`, so a later export can replace exactly the columns it has.
public enum PaymentColumn: Int, CaseIterable, Sendable, CustomStringConvertible {
    case id, created, amount, amountRefunded, currency, status, customerID, paymentIntentID, mode
    case description, paymentSourceType, declineReason
    case cardFingerprint, cardLast4, cardBrand, cardFunding, cardIssueCountry
    case billingCountry, billingPostalCode, cvcCheck, avsZipCheck, avsLine1Check
    case name, email, receiptEmail, phone, terminalReaderID
    case disputedAmount, disputeStatus, disputeReason, disputeDate, disputeID
    case riskLevel, riskScore, refundedFlag, livemode

    /// The bit of this column in `PaymentFields`.
    public var field: PaymentFields { PaymentFields(rawValue: 1 << UInt64(rawValue)) }

    /// A stable snake_case name used in reports and NDJSON.
    public var description: String {
        switch self {
        case .id: return "id"
        case .created: return "created"
        case .amount: return "amount"
        case .amountRefunded: return "amount_refunded"
        case .currency: return "currency"
        case .status: return "status"
        case .customerID: return "customer_id"
        case .paymentIntentID: return "payment_intent_id"
        case .mode: return "mode"
        case .description: return "description"
        case .paymentSourceType: return "payment_source_type"
        case .declineReason: return "decline_reason"
        case .cardFingerprint: return "card_fingerprint"
        case .cardLast4: return "card_last4"
        case .cardBrand: return "card_brand"
        case .cardFunding: return "card_funding"
        case .cardIssueCountry: return "card_issue_country"
        case .billingCountry: return "billing_country"
        case .billingPostalCode: return "billing_postal_code"
        case .cvcCheck: return "cvc_check"
        case .avsZipCheck: return "avs_zip_check"
        case .avsLine1Check: return "avs_line1_check"
        case .name: return "name"
        case .email: return "email"
        case .receiptEmail: return "receipt_email"
        case .phone: return "phone"
        case .terminalReaderID: return "terminal_reader_id"
        case .disputedAmount: return "disputed_amount"
        case .disputeStatus: return "dispute_status"
        case .disputeReason: return "dispute_reason"
        case .disputeDate: return "dispute_date"
        case .disputeID: return "dispute_id"
        case .riskLevel: return "risk_level"
        case .riskScore: return "risk_score"
        case .refundedFlag: return "refunded"
        case .livemode: return "livemode"
        }
    }
}
