/// A row that could not become a payment: where it was, which column, why, and the row itself
/// (card numbers already redacted). Rejected rows are reported, never silently dropped.
public struct Rejection: Sendable {
    public enum Reason: String, Sendable {
        case fieldCount = "field_count"
        case badID = "bad_id"
        case badAmount = "bad_amount"
        case badTime = "bad_time"
        case badCurrency = "bad_currency"
        case badStatus = "bad_status"
    }

    public var location: SourceLocation
    public var reason: Reason
    /// A sentence for a person; never contains emails, phones or card numbers.
    public var message: String
    /// The row's fields, card numbers redacted.
    public var fields: [String]

    public init(location: SourceLocation, reason: Reason, message: String, fields: [String]) {
        self.location = location
        self.reason = reason
        self.message = message
        self.fields = fields
    }
}
