import Codecs
import Foundation
import GuestPipeCore
import Grouping

/// Errors of concurrent writers, kept per writer so the first in order is reported.
final class ErrorSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error?]
    init(count: Int) { errors = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ error: Error) { lock.lock(); errors[index] = error; lock.unlock() }
    var first: Error? { lock.lock(); defer { lock.unlock() }; return errors.compactMap { $0 }.first }
}

/// Everything the guest outputs are written from.
public struct GuestReportInput {
    public let ledger: PaymentLedger
    public let grouping: GroupingResult
    /// Guests in output order (by guest id).
    public let guests: [GuestSummary]
    public let policy: GroupingPolicy
    /// Input files in export order (ledger entries refer to them by index).
    public let files: [String]
    /// How emails, phones and names appear in the CSV outputs (default: full).
    public let privacy: PrivacyFormatter

    public init(ledger: PaymentLedger, grouping: GroupingResult, guests: [GuestSummary], policy: GroupingPolicy, files: [String],
                privacy: PrivacyFormatter = PrivacyFormatter(mode: .full)) {
        self.ledger = ledger
        self.grouping = grouping
        self.guests = guests
        self.policy = policy
        self.files = files
        self.privacy = privacy
    }
}

/// The guest CSV outputs (guests.md; the README lists their columns).
public enum GuestReports {
    public static let guestsHeader = ["guest_id", "policy", "anchor_type", "first_payment", "last_payment", "payments",
                                      "succeeded", "failed", "refunded", "disputed", "cards", "emails", "phones"]
    public static let totalsHeader = ["guest_id", "currency", "gross", "refunded", "net", "disputed", "dispute_losses"]
    public static let paymentsHeader = ["payment_id", "guest_id", "matched_identifier", "created", "amount", "currency", "status"]
    public static let unmatchedHeader = ["payment_id", "created", "amount", "currency", "status", "reason", "file", "line"]
    public static let incompleteHeader = ["payment_intent_id", "created", "amount", "currency", "status", "file", "line"]
    /// Stripe's Dashboard "Customers" export, where Stripe lists guests (exports.md).
    public static let stripeHeader = "id,Description,Email,Name,Created (UTC),Delinquent,Card ID,Card Name,Card Address Line1,Card Address Line2,Card Address City,Card Address State,Card Address Country,Card Address Zip,Card AVS Line1 Status,Card AVS Zip Status,Card Brand,Card CVC Status,Card Exp Month,Card Exp Year,Card Fingerprint,Card Funding,Card Issue Country,Card Last4,Card Tokenization Method,Plan,Status,Cancel At Period End,Account Balance,Currency,Total Spend,Payment Count,Average Order,Refunded Volume,Dispute Losses,Business Vat ID,Tax Location Recognized".split(separator: ",").map(String.init)

    /// Writes guests, guest_totals, guest_payments, guests_stripe, unmatched and incomplete.
    /// The files are independent, so they are written concurrently.
    public static func write(_ input: GuestReportInput, to directory: String, compression: Compression) throws {
        let writers: [(GuestReportInput, String, Compression) throws -> Void] = [
            writePayments, writeStripeLayout, writeGuests, writeTotals, writeUnmatchedAndIncomplete,
        ]
        let errors = ErrorSlots(count: writers.count)
        DispatchQueue.concurrentPerform(iterations: writers.count) { index in
            do { try writers[index](input, directory, compression) } catch { errors.set(index, error) }
        }
        if let error = errors.first { throw error }
    }

    static func money(_ minor: Int64, _ currency: Currency?) -> String {
        MinorUnits.format(minor, exponent: currency?.exponent ?? 2)
    }

    static func writeGuests(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guests", header: guestsHeader, compression: compression)
        for guest in input.guests {
            try file.write([guest.id, input.policy.rawValue, guest.anchor.kind.rawValue,
                            UTCTime.format(guest.firstCreated), UTCTime.format(guest.lastCreated),
                            String(guest.paymentCount), String(guest.succeeded), String(guest.failed),
                            String(guest.refundedPayments), String(guest.disputes),
                            guest.cards.joined(separator: ";"), guest.emails.map(input.privacy.email).joined(separator: ";"),
                            guest.phones.map(input.privacy.phone).joined(separator: ";")])
        }
        try file.close()
    }

    static func writeTotals(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guest_totals", header: totalsHeader, compression: compression)
        for guest in input.guests {
            for (currency, totals) in guest.totals.sorted(by: { $0.key < $1.key }) {
                try file.write([guest.id, currency.code, money(totals.gross, currency), money(totals.refunded, currency),
                                money(totals.net, currency), money(totals.disputed, currency), money(totals.disputeLosses, currency)])
            }
        }
        try file.close()
    }

    static func writePayments(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guest_payments", header: paymentsHeader, compression: compression)
        let ledger = input.ledger
        for guest in input.guests {
            for index in guest.payments {
                let entry = ledger.entries[index]
                guard case .guest(_, let kind) = input.grouping.roles[index] else { continue }
                try file.write([ledger.key(index), guest.id, kind.rawValue, UTCTime.format(entry.created),
                                money(entry.amount, entry.currency), entry.currency?.code ?? "", entry.status.rawValue])
            }
        }
        try file.close()
    }

    static func writeStripeLayout(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guests_stripe", header: stripeHeader, compression: compression)
        let ledger = input.ledger
        let pool = ledger.pool
        let column = Dictionary(uniqueKeysWithValues: stripeHeader.enumerated().map { ($1, $0) })
        for guest in input.guests {
            let latest = ledger.entries[guest.latestPayment]
            let card = guest.latestCardPayment.map { ledger.entries[$0] }
            for (currency, totals) in guest.totals.sorted(by: { $0.key < $1.key }) {
                var row = [String](repeating: "", count: stripeHeader.count)
                func set(_ name: String, _ value: String) { row[column[name]!] = value }
                set("Description", "Guest \(guest.id)")
                set("Email", input.privacy.email(pool[latest.email].trimmingASCIIWhitespace()))
                set("Name", input.privacy.mode == .full ? pool[latest.name] : input.privacy.other(pool[latest.name]))
                set("Created (UTC)", UTCTime.formatMinutes(guest.firstCreated))
                if let card {
                    set("Card Brand", pool[card.brand])
                    set("Card Last4", pool[card.last4])
                    set("Card Fingerprint", input.privacy.mode == .full ? pool[card.card].trimmingASCIIWhitespace() : "")
                    set("Card Address Country", pool[card.billingCountry])
                }
                set("Currency", currency.code)
                set("Total Spend", money(totals.net, currency))
                set("Payment Count", String(totals.succeeded))
                set("Average Order", money(averageHalfUp(totals.gross, totals.succeeded), currency))
                set("Refunded Volume", money(totals.refunded, currency))
                set("Dispute Losses", money(totals.disputeLosses, currency))
                try file.write(row)
            }
        }
        try file.close()
    }

    /// gross ÷ count, rounded half-up to whole minor units; 0 without succeeded payments.
    public static func averageHalfUp(_ gross: Int64, _ count: Int) -> Int64 {
        guard count > 0 else { return 0 }
        let divisor = Int64(count)
        let (quotient, remainder) = gross.quotientAndRemainder(dividingBy: divisor)
        return remainder * 2 >= divisor ? quotient + 1 : quotient
    }

    static func writeUnmatchedAndIncomplete(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let ledger = input.ledger
        var unmatched: [Int] = []
        var incomplete: [Int] = []
        for (index, role) in input.grouping.roles.enumerated() {
            if role == .unmatched { unmatched.append(index) }
            if role == .incomplete { incomplete.append(index) }
        }
        let order: (Int, Int) -> Bool = { a, b in
            let x = ledger.entries[a], y = ledger.entries[b]
            return x.created != y.created ? x.created < y.created : ledger.key(a) < ledger.key(b)
        }
        unmatched.sort(by: order)
        incomplete.sort(by: order)
        let unmatchedFile = try CSVReportFile(directory: directory, name: "unmatched", header: unmatchedHeader, compression: compression)
        for index in unmatched {
            let entry = ledger.entries[index]
            let reason = unmatchedReason(entry)
            try unmatchedFile.write([ledger.key(index), UTCTime.format(entry.created), money(entry.amount, entry.currency),
                                     entry.currency?.code ?? "", entry.status.rawValue, reason,
                                     baseName(input.files[Int(entry.file)]), String(entry.line)])
        }
        try unmatchedFile.close()
        let incompleteFile = try CSVReportFile(directory: directory, name: "incomplete", header: incompleteHeader, compression: compression)
        for index in incomplete {
            let entry = ledger.entries[index]
            try incompleteFile.write([ledger.key(index), UTCTime.format(entry.created), money(entry.amount, entry.currency),
                                      entry.currency?.code ?? "", ledger.pool[entry.rawStatus], baseName(input.files[Int(entry.file)]), String(entry.line)])
        }
        try incompleteFile.close()
    }

    /// The export's file name without its folder: outputs stay the same wherever the exports live.
    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Why a guest payment has no identifier: nothing at all, or only ignored values.
    static func unmatchedReason(_ entry: LedgerEntry) -> String {
        var ignored: [String] = []
        if entry.card != 0 { ignored.append("card") }
        if entry.email != 0 { ignored.append("email") }
        if entry.phone != 0 { ignored.append("phone") }
        return ignored.isEmpty ? "no card, email or phone" : "placeholder or invalid: " + ignored.joined(separator: ", ")
    }
}
