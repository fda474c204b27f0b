import GuestPipeCore

/// The export layouts guestpipe recognises (see docs: exports.md).
public enum ExportProfile: String, Sendable, CaseIterable {
    /// Dashboard "Payments" export, new generation (`Created date (UTC)`), any column subset.
    case dashboardNew = "dashboard-new"
    /// Dashboard "Payments" export, old generation (`Created (UTC)`), any column subset.
    case dashboardOld = "dashboard-old"
    /// Warehouse (Sigma / data pipeline) `charges` table, snake_case, integer minor units.
    case warehouse = "warehouse-charges"

    /// Whether amounts are integer minor units (warehouse) or decimal major units (Dashboard).
    public var amountsInMinorUnits: Bool { self == .warehouse }

    /// Accepted header names per column, lower case, for this layout.
    public func names(for column: PaymentColumn) -> [String] {
        switch self {
        case .dashboardNew, .dashboardOld: return ExportProfile.dashboardNames[column] ?? []
        case .warehouse: return ExportProfile.warehouseNames[column] ?? []
        }
    }

    /// Columns a file must have to be read at all.
    public static let required: [PaymentColumn] = [.id, .created, .amount, .currency, .status, .customerID]

    static let dashboardNames: [PaymentColumn: [String]] = [
        .id: ["id"], .created: ["created date (utc)", "created (utc)"], .amount: ["amount"],
        .amountRefunded: ["amount refunded"], .currency: ["currency"], .status: ["status"],
        .customerID: ["customer id"], .paymentIntentID: ["paymentintent id"], .mode: ["mode"],
        .description: ["description"], .paymentSourceType: ["payment source type"],
        .declineReason: ["decline reason"], .cardFingerprint: ["card fingerprint"],
        .cardLast4: ["card last4"], .cardBrand: ["card brand"], .cardFunding: ["card funding"],
        .cardIssueCountry: ["card issue country"], .billingCountry: ["card address country"],
        .billingPostalCode: ["card address zip"], .cvcCheck: ["card cvc status"],
        .avsZipCheck: ["card avs zip status"], .avsLine1Check: ["card avs line1 status"],
        .name: ["card name"], .email: ["customer email"], .phone: ["customer phone"],
        .terminalReaderID: ["terminal reader id"], .disputedAmount: ["disputed amount"],
        .disputeStatus: ["dispute status"], .disputeReason: ["dispute reason"],
        .disputeDate: ["dispute date (utc)"],
    ]

    static let warehouseNames: [PaymentColumn: [String]] = [
        .id: ["id"], .created: ["created"], .amount: ["amount"], .amountRefunded: ["amount_refunded"],
        .currency: ["currency"], .status: ["status"], .customerID: ["customer_id", "customer"],
        .paymentIntentID: ["payment_intent", "payment_intent_id"], .description: ["description"],
        .paymentSourceType: ["payment_method_type"], .declineReason: ["failure_code"],
        .cardFingerprint: ["card_fingerprint"], .cardLast4: ["card_last4"], .cardBrand: ["card_brand"],
        .cardFunding: ["card_funding"], .cardIssueCountry: ["card_country"],
        .billingCountry: ["card_address_country"], .billingPostalCode: ["card_address_zip"],
        .cvcCheck: ["card_cvc_check"], .avsZipCheck: ["card_address_zip_check"],
        .avsLine1Check: ["card_address_line1_check"], .name: ["billing_details_name", "card_name"],
        .email: ["billing_details_email"], .receiptEmail: ["receipt_email"],
        .phone: ["billing_details_phone"], .disputeID: ["dispute_id", "dispute"],
        .disputedAmount: ["dispute_amount"], .disputeStatus: ["dispute_status"],
        .disputeReason: ["dispute_reason"], .riskLevel: ["outcome_risk_level"],
        .riskScore: ["outcome_risk_score"], .refundedFlag: ["refunded"], .livemode: ["livemode"],
    ]
}

/// Where each payment column sits in one file's header.
public struct HeaderMapping: Sendable {
    public let profile: ExportProfile
    /// The header as found (trimmed, byte-order mark removed).
    public let headers: [String]
    /// Field index per `PaymentColumn.rawValue`, or -1 when the file lacks the column.
    public let indexes: [Int]
    /// `(key, field index)` of each `<key> (metadata)` column.
    public let metadata: [(key: String, index: Int)]
    /// The columns the file carries.
    public let fields: PaymentFields
    /// Things a person should know about this header (duplicates, missing identifiers).
    public let warnings: [String]

    public func index(of column: PaymentColumn) -> Int { indexes[column.rawValue] }
    public func has(_ column: PaymentColumn) -> Bool { indexes[column.rawValue] >= 0 }

    /// Maps a header row. Names match exactly after trimming spaces and a byte-order mark,
    /// case-insensitively, never by similarity. A missing required column is an error naming it
    /// and the closest header found.
    public init(header rawHeaders: [String], file: String) throws {
        let headers = rawHeaders.enumerated().map { offset, name -> String in
            var text = name
            if offset == 0, text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            // A header is input too: a card number typed as a metadata key is masked.
            return CardNumberRedactor.redact(text.trimmingASCIIWhitespace())
        }
        self.headers = headers
        let lowered = headers.map { $0.lowercased() }
        var firstIndex: [String: Int] = [:]
        var warnings: [String] = []
        for (index, name) in lowered.enumerated() {
            if firstIndex[name] == nil {
                firstIndex[name] = index
            } else if !name.isEmpty {
                warnings.append("column \"\(headers[index])\" appears more than once; the first one is used")
            }
        }
        let profile: ExportProfile
        if firstIndex["created date (utc)"] != nil {
            profile = .dashboardNew
        } else if firstIndex["created (utc)"] != nil {
            profile = .dashboardOld
        } else if firstIndex["created"] != nil {
            profile = .warehouse
        } else {
            if let separator = HeaderMapping.otherSeparator(headers) {
                throw GuestPipeError(.missingColumn,
                                     "the header is separated by \(separator.name), not by commas (a spreadsheet re-save?)",
                                     fix: "save the file again as comma-separated CSV (UTF-8), or export it from Stripe again",
                                     at: SourceLocation(file: file, line: 1))
            }
            let wanted = lowered.contains { $0.contains("_") } ? "created" : "Created date (UTC)"
            throw HeaderMapping.missing(wanted, headers: headers, file: file)
        }
        self.profile = profile
        var indexes = [Int](repeating: -1, count: PaymentColumn.allCases.count)
        var fields: PaymentFields = []
        for column in PaymentColumn.allCases {
            for name in profile.names(for: column) {
                if let index = firstIndex[name] {
                    indexes[column.rawValue] = index
                    fields.insert(column.field)
                    break
                }
            }
        }
        for column in ExportProfile.required where indexes[column.rawValue] < 0 {
            let display = profile == .warehouse ? profile.names(for: column)[0] : HeaderMapping.displayName(column)
            throw HeaderMapping.missing(display, headers: headers, file: file)
        }
        if !fields.contains(.cardFingerprintField) && !fields.contains(.emailField) && !fields.contains(.phoneField)
            && !fields.contains(PaymentColumn.receiptEmail.field) {
            warnings.append("no card fingerprint, email or phone column (a \"Default\" export?): its guest payments can only be unmatched")
        }
        var metadata: [(String, Int)] = []
        for (index, name) in headers.enumerated() where name.lowercased().hasSuffix(" (metadata)") {
            metadata.append((String(name.dropLast(" (metadata)".count)), index))
        }
        self.indexes = indexes
        self.metadata = metadata
        self.fields = fields
        self.warnings = warnings
    }

    static func displayName(_ column: PaymentColumn) -> String {
        switch column {
        case .id: return "id"
        case .created: return "Created date (UTC)"
        case .amount: return "Amount"
        case .currency: return "Currency"
        case .status: return "Status"
        case .customerID: return "Customer ID"
        default: return column.description
        }
    }

    /// The separator of a header that is one field holding `;`, tab or `|` separated names.
    static func otherSeparator(_ headers: [String]) -> (name: String, character: Character)? {
        guard headers.count <= 2 else { return nil }
        let candidates: [(String, Character)] = [("semicolons (;)", ";"), ("tabs", "\t"), ("vertical bars (|)", "|")]
        return candidates.first { _, character in headers.contains { $0.filter { $0 == character }.count >= 3 } }
    }

    static func missing(_ column: String, headers: [String], file: String) -> GuestPipeError {
        let wanted = column.lowercased()
        let closest = headers.filter { !$0.isEmpty }.min { editDistance($0.lowercased(), wanted) < editDistance($1.lowercased(), wanted) }
        let found: String
        if let closest, editDistance(closest.lowercased(), wanted) <= max(2, wanted.count / 3) {
            found = "; the closest header found is \"\(MessageText.safe(closest))\""
        } else {
            found = headers.allSatisfy(\.isEmpty) ? "; the file has no header" : "; no header of the file comes close"
        }
        return GuestPipeError(.missingColumn, "required column \"\(column)\" is missing\(found)",
                              fix: "export the payments with that column (e.g. Dashboard → Payments → Export, \"All columns\"), or rename the header",
                              at: SourceLocation(file: file, line: 1, column: column))
    }

    /// Levenshtein distance, for suggesting the closest header (never for matching).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}

extension PaymentFields {
    static let cardFingerprintField = PaymentColumn.cardFingerprint.field
    static let emailField = PaymentColumn.email.field
    static let phoneField = PaymentColumn.phone.field
}
