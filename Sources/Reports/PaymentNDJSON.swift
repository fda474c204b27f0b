import Codecs
import GuestPipeCore

/// The NDJSON form of a decoded payment (`guestpipe read`): one object per line, keys in a
/// fixed order, amounts as exact decimal strings plus integer minor units. Fields are listed in
/// the README.
public enum PaymentNDJSON {
    public static func line(_ p: Payment) -> String {
        let exponent = p.currency?.exponent ?? 2
        func money(_ minor: Int64) -> String { JSONText.quote(MinorUnits.format(minor, exponent: exponent)) }
        var pairs: [(String, String)] = [
            ("id", JSONText.quote(p.id)),
            ("payment_intent_id", JSONText.quote(p.paymentIntentID)),
            ("created", JSONText.quote(UTCTime.formatISO(p.created))),
            ("status", JSONText.quote(p.status.rawValue)),
            ("raw_status", JSONText.quote(p.rawStatus)),
            ("mode", JSONText.quote(p.mode.rawValue)),
            ("currency", p.currency.map { JSONText.quote($0.code) } ?? "null"),
            ("amount", money(p.amount)),
            ("amount_minor", String(p.amount)),
            ("amount_refunded", money(p.amountRefunded)),
            ("amount_refunded_minor", String(p.amountRefunded)),
            ("customer_id", JSONText.quote(p.customerID)),
            ("guest", p.isGuest ? "true" : "false"),
            ("card_fingerprint", JSONText.quote(p.cardFingerprint)),
            ("card_brand", JSONText.quote(p.cardBrand)),
            ("card_last4", JSONText.quote(p.cardLast4)),
            ("card_funding", JSONText.quote(p.cardFunding)),
            ("card_issue_country", JSONText.quote(p.cardIssueCountry)),
            ("billing_country", JSONText.quote(p.billingCountry)),
            ("cvc_check", JSONText.quote(p.cvcCheck)),
            ("avs_zip_check", JSONText.quote(p.avsZipCheck)),
            ("avs_line1_check", JSONText.quote(p.avsLine1Check)),
            ("email", JSONText.quote(p.email)),
            ("phone", JSONText.quote(p.phone)),
            ("name", JSONText.quote(p.name)),
            ("payment_source_type", JSONText.quote(p.paymentSourceType)),
            ("decline_reason", JSONText.quote(p.declineReason)),
            ("disputed_amount", money(p.disputedAmount)),
            ("disputed_amount_minor", String(p.disputedAmount)),
            ("dispute_status", JSONText.quote(p.disputeStatus)),
            ("dispute_reason", JSONText.quote(p.disputeReason)),
            ("dispute_date", p.disputeDate.map { JSONText.quote(UTCTime.formatISO($0)) } ?? "null"),
            ("description", JSONText.quote(p.description)),
        ]
        if !p.riskLevel.isEmpty || !p.riskScore.isEmpty {
            pairs.append(("risk_level", JSONText.quote(p.riskLevel)))
            pairs.append(("risk_score", JSONText.quote(p.riskScore)))
        }
        if !p.metadata.isEmpty {
            pairs.append(("metadata", JSONText.object(p.metadata.map { ($0.key, JSONText.quote($0.value)) })))
        }
        pairs.append(("source", JSONText.object([("file", JSONText.quote(p.source.file)),
                                                 ("line", String(p.source.line)),
                                                 ("record", String(p.source.record))])))
        return JSONText.object(pairs) + "\n"
    }

    /// A rejected row as one NDJSON object (`guestpipe read --rejects`).
    public static func line(_ r: Rejection) -> String {
        JSONText.object([
            ("file", JSONText.quote(r.location.file)),
            ("line", String(r.location.line)),
            ("record", String(r.location.record)),
            ("column", r.location.column.map(JSONText.quote) ?? "null"),
            ("reason", JSONText.quote(r.reason.rawValue)),
            ("message", JSONText.quote(r.message)),
            ("fields", "[" + r.fields.map(JSONText.quote).joined(separator: ",") + "]"),
        ]) + "\n"
    }
}

/// `rejects.csv`: every rejected row with where and why, card numbers redacted.
public enum RejectsCSV {
    public static let header = ["file", "line", "record", "column", "reason", "message", "row"]

    /// One rejected row: the export's base name (as in every other output), where, why, and
    /// the raw row (card numbers masked) only when personal data may be shown in full: under
    /// `masked` or `pseudonymised` privacy the row, which holds emails and names, is left out.
    public static func row(_ r: Rejection, privacy: PrivacyMode) -> [String] {
        var raw: [UInt8] = []
        if privacy == .full {
            for (index, field) in r.fields.enumerated() {
                if index > 0 { raw.append(0x2C) }
                CSVText.appendField(field, to: &raw)
            }
        }
        let file = r.location.file.split(separator: "/").last.map(String.init) ?? r.location.file
        return [file, String(r.location.line), String(r.location.record), r.location.column ?? "",
                r.reason.rawValue, r.message, String(decoding: raw, as: UTF8.self)]
    }

    /// `rejects.csv`: every rejected row of every export, in export order.
    public static func write(_ logs: [RejectLog], privacy: PrivacyMode, to directory: String, compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "rejects", header: header, compression: compression)
        for log in logs { try log.forEach { try file.write(row($0, privacy: privacy)) } }
        try file.close()
    }
}
