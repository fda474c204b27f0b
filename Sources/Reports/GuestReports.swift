import Codecs
import Foundation
import GuestPipeCore
import Grouping

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

/// Currency codes as bytes and exponents by `Currency.index`, made once: the per-payment
/// output reads them without copying a `Currency` (and its code string) per row.
struct CurrencyTexts {
    private let codes = [[]] + Currency.all.map { Array($0.code.utf8) }
    private let exponents = [2] + Currency.all.map(\.exponent)

    /// The code of the currency at `index` (empty for none).
    @inline(__always)
    func code(_ index: UInt16, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        codes[Int(index) < codes.count ? Int(index) : 0].withUnsafeBufferPointer(body)
    }

    /// Stripe's exponent of the currency at `index` (2 for none, as `money` assumes).
    @inline(__always)
    func exponent(_ index: UInt16) -> Int { exponents[Int(index) < exponents.count ? Int(index) : 0] }
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

    static func money(_ minor: Int64, _ currency: Currency?) -> String {
        MinorUnits.format(minor, exponent: currency?.exponent ?? 2)
    }

    static func writeGuests(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guests", header: guestsHeader, compression: compression)
        var rows = CSVRowBuilder()
        var scratch: [UInt8] = []
        let full = input.privacy.mode == .full
        let policy = input.policy.rawValue
        try input.guests.withUnsafeBufferPointer { guests in
            let prefetcher = GuestPrefetcher(guests: guests, entries: UnsafeBufferPointer(start: nil, count: 0))
            for (position, guest) in guests.enumerated() {
                prefetcher.summaries(before: position)
                rows.field(guest.id)
                rows.field(policy)
                rows.field(guest.anchor.kind.rawValue)
                rows.time(guest.firstCreated)
                rows.time(guest.lastCreated)
                rows.field(guest.paymentCount)
                rows.field(guest.succeeded)
                rows.field(guest.failed)
                rows.field(guest.refundedPayments)
                rows.field(guest.disputes)
                rows.field(list: guest.cards, into: &scratch)
                rows.field(list: full ? guest.emails : guest.emails.map(input.privacy.email), into: &scratch)
                rows.field(list: full ? guest.phones : guest.phones.map(input.privacy.phone), into: &scratch)
                rows.endRow()
                if rows.byteCount >= 1 << 16 { try file.write(&rows) }
            }
        }
        try file.write(&rows)
        try file.close()
    }

    static func writeTotals(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guest_totals", header: totalsHeader, compression: compression)
        var rows = CSVRowBuilder()
        try input.guests.withUnsafeBufferPointer { guests in
            let prefetcher = GuestPrefetcher(guests: guests, entries: UnsafeBufferPointer(start: nil, count: 0))
            for (position, guest) in guests.enumerated() {
                prefetcher.summaries(before: position)
                for (currency, totals) in guest.currencyTotals {
                    let exponent = currency.exponent
                    rows.field(guest.id)
                    rows.field(currency.code)
                    rows.money(totals.gross, exponent: exponent)
                    rows.money(totals.refunded, exponent: exponent)
                    rows.money(totals.net, exponent: exponent)
                    rows.money(totals.disputed, exponent: exponent)
                    rows.money(totals.disputeLosses, exponent: exponent)
                    rows.endRow()
                }
                if rows.byteCount >= 1 << 16 { try file.write(&rows) }
            }
        }
        try file.write(&rows)
        try file.close()
    }

    static func writePayments(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guest_payments", header: paymentsHeader, compression: compression)
        let ledger = input.ledger
        let roles = input.grouping.roles
        let currencies = CurrencyTexts()
        var rows = CSVRowBuilder()
        try ledger.keys.withUnsafeBufferPointer { keys in
            try ledger.entries.withUnsafeBufferPointer { entries in
                try roles.withUnsafeBufferPointer { roles in
                    try input.guests.withUnsafeBufferPointer { guests in
                        let prefetcher = GuestPrefetcher(guests: guests, entries: entries, keys: keys)
                        for (position, guest) in guests.enumerated() {
                            prefetcher.payments(before: position)
                            var id = guest.id
                            try id.withUTF8 { id in
                                for index in guest.payments {
                                    let entry = entries[index]
                                    guard case .guest(_, let kind) = roles[index] else { continue }
                                    rows.field(bytes: UnsafeBufferPointer(rebasing: keys[Int(entry.keyOffset)..<Int(entry.keyOffset) + Int(entry.keyLength)]))
                                    rows.field(bytes: id)
                                    rows.field(kind.rawValue)
                                    rows.time(entry.created)
                                    rows.money(entry.amount, exponent: currencies.exponent(entry.currencyIndex))
                                    currencies.code(entry.currencyIndex) { rows.field(bytes: $0) }
                                    rows.field(entry.status.rawValue)
                                    rows.endRow()
                                }
                                if rows.byteCount >= 1 << 16 { try file.write(&rows) }
                            }
                        }
                    }
                }
            }
        }
        try file.write(&rows)
        try file.close()
    }

    /// What a column of Stripe's Customers layout holds for a guest; every other column is empty.
    private enum StripeValue {
        case empty, description, email, name, created, cardBrand, cardLast4, cardFingerprint, cardCountry
        case currency, totalSpend, paymentCount, averageOrder, refundedVolume, disputeLosses
    }

    private static let stripeValues: [StripeValue] = stripeHeader.map { column in
        switch column {
        case "Description": return .description
        case "Email": return .email
        case "Name": return .name
        case "Created (UTC)": return .created
        case "Card Brand": return .cardBrand
        case "Card Last4": return .cardLast4
        case "Card Fingerprint": return .cardFingerprint
        case "Card Address Country": return .cardCountry
        case "Currency": return .currency
        case "Total Spend": return .totalSpend
        case "Payment Count": return .paymentCount
        case "Average Order": return .averageOrder
        case "Refunded Volume": return .refundedVolume
        case "Dispute Losses": return .disputeLosses
        default: return .empty
        }
    }

    /// One row per guest and currency in Stripe's Customers layout. Text comes straight from the
    /// pool's bytes when the CSV privacy is `full` (the usual case at millions of guests); the
    /// other modes format the guest's email, name and fingerprint once per guest.
    static func writeStripeLayout(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guests_stripe", header: stripeHeader, compression: compression)
        let ledger = input.ledger
        let pool = ledger.pool
        let privacy = input.privacy
        let full = privacy.mode == .full
        var rows = CSVRowBuilder()
        var description: [UInt8] = []
        var created: [UInt8] = []
        try ledger.entries.withUnsafeBufferPointer { entries in
            try input.guests.withUnsafeBufferPointer { guests in
                let prefetcher = GuestPrefetcher(guests: guests, entries: entries)
                for (position, guest) in guests.enumerated() {
                    prefetcher.latestPayments(before: position)
                    let latest = entries[guest.latestPayment]
                    let card = guest.latestCardPayment.map { entries[$0] }
                    description.removeAll(keepingCapacity: true)
                    description.append(contentsOf: "Guest ".utf8)
                    description.append(contentsOf: guest.id.utf8)
                    created.removeAll(keepingCapacity: true)
                    created.append(contentsOf: UTCTime.formatMinutes(guest.firstCreated).utf8)
                    let email = full ? nil : privacy.email(pool[latest.email].trimmingASCIIWhitespace())
                    let name = full ? nil : privacy.other(pool[latest.name])
                    for (currency, totals) in guest.currencyTotals {
                        let exponent = currency.exponent
                        for value in stripeValues {
                            switch value {
                            case .empty: rows.emptyField()
                            case .description: description.withUnsafeBufferPointer { rows.field(bytes: $0) }
                            case .email:
                                if let email { rows.field(email) } else { pool.withBytes(latest.email) { rows.field(bytes: $0.trimmingASCIIWhitespace()) } }
                            case .name:
                                if let name { rows.field(name) } else { pool.withBytes(latest.name) { rows.field(bytes: $0) } }
                            case .created: created.withUnsafeBufferPointer { rows.field(bytes: $0) }
                            case .cardBrand: pool.withBytes(card?.brand ?? 0) { rows.field(bytes: $0) }
                            case .cardLast4: pool.withBytes(card?.last4 ?? 0) { rows.field(bytes: $0) }
                            case .cardFingerprint:
                                if full { pool.withBytes(card?.card ?? 0) { rows.field(bytes: $0.trimmingASCIIWhitespace()) } } else { rows.emptyField() }
                            case .cardCountry: pool.withBytes(card?.billingCountry ?? 0) { rows.field(bytes: $0) }
                            case .currency: rows.field(currency.code)
                            case .totalSpend: rows.money(totals.net, exponent: exponent)
                            case .paymentCount: rows.field(totals.succeeded)
                            case .averageOrder: rows.money(averageHalfUp(totals.gross, totals.succeeded), exponent: exponent)
                            case .refundedVolume: rows.money(totals.refunded, exponent: exponent)
                            case .disputeLosses: rows.money(totals.disputeLosses, exponent: exponent)
                            }
                        }
                        rows.endRow()
                    }
                    if rows.byteCount >= 1 << 16 { try file.write(&rows) }
                }
            }
        }
        try file.write(&rows)
        try file.close()
    }

    /// gross ÷ count, rounded half-up to whole minor units; 0 without succeeded payments.
    public static func averageHalfUp(_ gross: Int64, _ count: Int) -> Int64 {
        guard count > 0 else { return 0 }
        let divisor = Int64(count)
        let (quotient, remainder) = gross.quotientAndRemainder(dividingBy: divisor)
        return remainder * 2 >= divisor ? quotient + 1 : quotient
    }

    /// Payments of `role` in (created, payment id) order.
    static func payments(_ input: GuestReportInput, where matches: (PaymentRole) -> Bool) -> [Int] {
        let ledger = input.ledger
        return input.grouping.roles.indices.filter { matches(input.grouping.roles[$0]) }.sorted { a, b in
            let x = ledger.entries[a], y = ledger.entries[b]
            return x.created != y.created ? x.created < y.created : ledger.key(a) < ledger.key(b)
        }
    }

    static func writeUnmatched(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let ledger = input.ledger
        let file = try CSVReportFile(directory: directory, name: "unmatched", header: unmatchedHeader, compression: compression)
        for index in payments(input, where: { $0 == .unmatched }) {
            let entry = ledger.entries[index]
            try file.write([ledger.key(index), UTCTime.format(entry.created), money(entry.amount, entry.currency),
                            entry.currency?.code ?? "", entry.status.rawValue, unmatchedReason(entry),
                            baseName(input.files[Int(entry.file)]), String(entry.line)])
        }
        try file.close()
    }

    static func writeIncomplete(_ input: GuestReportInput, _ directory: String, _ compression: Compression) throws {
        let ledger = input.ledger
        let file = try CSVReportFile(directory: directory, name: "incomplete", header: incompleteHeader, compression: compression)
        for index in payments(input, where: { $0 == .incomplete }) {
            let entry = ledger.entries[index]
            // An abandoned checkout may carry no amount and no currency: both stay empty then.
            try file.write([ledger.key(index), UTCTime.format(entry.created), entry.currency == nil ? "" : money(entry.amount, entry.currency),
                            entry.currency?.code ?? "", ledger.pool[entry.rawStatus], baseName(input.files[Int(entry.file)]), String(entry.line)])
        }
        try file.close()
    }

    /// `id_changes.csv`: every old guest id with its successor (several after a split), the run
    /// and time of the change, and its kind (`merged`, `split`, `re-anchored`, `unknown`; last,
    /// so files read by position before kinds existed still read the same columns).
    static func writeIDChanges(_ changes: [(old: String, new: String, kind: String, run: String, changedAt: String)], to directory: String,
                               compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "id_changes", header: ["old_guest_id", "new_guest_id", "run", "changed_at", "kind"],
                                     compression: compression)
        // Guest ids are ASCII: String order is byte order.
        for change in changes.sorted(by: { ($0.old, $0.new) < ($1.old, $1.new) }) { try file.write([change.old, change.new, change.run, change.changedAt, change.kind]) }
        try file.close()
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
