/// The header layouts `guestpipe sample` can write, copied from real exports (exports.md).
public enum SampleLayout: String, CaseIterable, Sendable {
    /// Dashboard Payments export, new generation, all columns (83) plus a metadata column.
    case newAll = "new-all"
    /// Dashboard Payments export, new generation, "Default" columns (no card columns).
    case newDefault = "new-default"
    /// Dashboard Payments export, old generation (up to 2023-08), all columns.
    case oldAll = "old-all"
    /// Warehouse `charges` table with joined billing details, snake_case, integer minor units.
    case warehouse = "warehouse"

    var header: [String] {
        switch self {
        case .newAll: return SampleLayout.newAllColumns + ["order_id (metadata)"]
        case .newDefault: return SampleLayout.newDefaultColumns
        case .oldAll: return SampleLayout.oldAllColumns + ["order_id (metadata)"]
        case .warehouse: return SampleLayout.warehouseColumns
        }
    }

    static let newAllColumns = "id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount,Converted Amount Refunded,Converted Currency,Decline Reason,Description,Fee,Is Link,Link Funding,Mode,PaymentIntent ID,Payment Source Type,Refunded date (UTC),Statement Descriptor,Status,Seller Message,Taxes On Fee,Card ID,Card Name,Card Address Line1,Card Address Line2,Card Address City,Card Address State,Card Address Country,Card Address Zip,Card AVS Line1 Status,Card AVS Zip Status,Card Brand,Card CVC Status,Card Exp Month,Card Exp Year,Card Fingerprint,Card Funding,Card Issue Country,Card Last4,Card Tokenization Method,Customer ID,Customer Description,Customer Email,Customer Phone,Shipping Name,Shipping Address Line1,Shipping Address Line2,Shipping Address City,Shipping Address State,Shipping Address Country,Shipping Address Postal Code,Disputed Amount,Dispute Date (UTC),Dispute Evidence Due (UTC),Dispute Reason,Dispute Status,Invoice ID,Invoice Number,Checkout Session ID,Checkout Custom Field 1 Key,Checkout Custom Field 1 Value,Checkout Custom Field 2 Key,Checkout Custom Field 2 Value,Checkout Custom Field 3 Key,Checkout Custom Field 3 Value,Checkout Line Item Summary,Checkout Promotional Consent,Checkout Terms of Service Consent,Client Reference ID,Payment Link ID,UTM Campaign,UTM Content,UTM Medium,UTM Source,UTM Term,Terminal Location ID,Terminal Reader ID,Application Fee,Application ID,Destination,Transfer,Transfer Group".split(separator: ",").map(String.init)

    static let newDefaultColumns = "id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount,Converted Amount Refunded,Converted Currency,Decline Reason,Description,Fee,Refunded date (UTC),Statement Descriptor,Status,Seller Message,Taxes On Fee,Card ID,Customer ID,Customer Description,Customer Email,Invoice ID,Transfer".split(separator: ",").map(String.init)

    static let oldAllColumns = "id,Description,Seller Message,Created (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,Fee,Tax,Converted Currency,Mode,Status,Statement Descriptor,Customer ID,Customer Description,Customer Email,Captured,Card ID,Card Last4,Card Brand,Card Funding,Card Exp Month,Card Exp Year,Card Name,Card Address Line1,Card Address Line2,Card Address City,Card Address State,Card Address Country,Card Address Zip,Card Issue Country,Card Fingerprint,Card CVC Status,Card AVS Zip Status,Card AVS Line1 Status,Card Tokenization Method,Disputed Amount,Dispute Status,Dispute Reason,Dispute Date (UTC),Dispute Evidence Due (UTC),Invoice ID,Payment Source Type,Destination,Transfer,Interchange Costs,Merchant Service Charge,Transfer Group,PaymentIntent ID".split(separator: ",").map(String.init)

    static let warehouseColumns = "id,created,amount,amount_refunded,currency,status,paid,captured,refunded,customer_id,payment_intent,payment_method_id,payment_method_type,description,receipt_email,failure_code,failure_message,dispute_id,card_fingerprint,card_brand,card_funding,card_country,card_last4,card_address_country,card_cvc_check,card_address_zip_check,card_tokenization_method,outcome_type,outcome_reason,outcome_risk_level,outcome_risk_score,billing_details_email,billing_details_phone".split(separator: ",").map(String.init)
}
