import Foundation
import GuestPipeCore
import Grouping
import Ingest
import Reports

/// How many payments each role took (what the summary, the report and the manifest count).
struct RunCounts {
    var outsideWindow = 0, testModeLeftOut = 0, incomplete = 0, customerPayments = 0, unmatched = 0, guestPayments = 0

    init(roles: [PaymentRole]) {
        for role in roles {
            switch role {
            case .outsideWindow: outsideWindow += 1
            case .testLeftOut: testModeLeftOut += 1
            case .incomplete: incomplete += 1
            case .customer: customerPayments += 1
            case .unmatched: unmatched += 1
            case .guest: guestPayments += 1
            }
        }
    }

    /// The counts as `summary.json` names them, in its order.
    var named: [(String, Int)] {
        [("test_mode_left_out", testModeLeftOut), ("incomplete", incomplete), ("customer_payments", customerPayments),
         ("guest_payments", guestPayments), ("unmatched", unmatched)]
    }
}

/// `summary.json`: what a run read, what it found, and why (run-scoped, not byte-stable).
final class RunSummary: @unchecked Sendable {
    // @unchecked: every stored property is set once in `init`; `totals` is computed in `init` too.
    let settings: RunSettings
    let built: LedgerBuilder.Built
    let grouping: GroupingResult
    let guests: [GuestSummary]
    let key: IDKey
    let started: Date
    let warnings: [String]
    let idChanges: Int
    /// The run's hubs, most widely shared first, with their identifiers as the report's privacy
    /// setting shows them.
    let hubs: [(report: HubReport, shown: String)]
    let counts: RunCounts
    private let cachedTotals: [String: [Currency: CurrencyTotals]]

    init(settings: RunSettings, built: LedgerBuilder.Built, grouping: GroupingResult, guests: [GuestSummary], key: IDKey,
         started: Date, warnings: [String], idChanges: Int, hubs: [(report: HubReport, shown: String)]) {
        self.settings = settings
        self.built = built
        self.grouping = grouping
        self.guests = guests
        self.key = key
        self.started = started
        self.warnings = warnings
        self.idChanges = idChanges
        self.hubs = hubs
        counts = RunCounts(roles: grouping.roles)
        cachedTotals = RunSummary.computeTotals(ledger: built.ledger, roles: grouping.roles)
    }

    /// Why there are no guests, in Stripe's words, when there are none.
    var noGuestsReason: String? {
        guard guests.isEmpty else { return nil }
        let noCustomers = counts.customerPayments == 0
        if !noCustomers && counts.unmatched == 0 {
            return "every payment carried a Customer ID: the integration passes a customer, or Checkout's customer_creation is 'always'"
        }
        if counts.unmatched > 0 { return "guest payments were found, but none had a usable card, email or phone (see unmatched.csv)" }
        if counts.testModeLeftOut > 0 && noCustomers { return "every payment was a test-mode payment, which is left out (--include-test keeps them)" }
        if counts.outsideWindow > 0 && noCustomers { return "no payment was created between --since and --until" }
        if counts.incomplete > 0 && noCustomers { return "every row was an incomplete PaymentIntent (an abandoned checkout; see incomplete.csv)" }
        return "the exports hold no payments (only a header, or every row was rejected)"
    }

    /// Per category and currency: gross, refunded, net, disputed, dispute losses.
    func totals() -> [String: [Currency: CurrencyTotals]] { cachedTotals }

    /// Summed in arrays indexed by category and currency index, then keyed: two dictionary
    /// look-ups by string per payment cost more than the rest of the sum.
    private static func computeTotals(ledger: PaymentLedger, roles: [PaymentRole]) -> [String: [Currency: CurrencyTotals]] {
        let categories = ["guests", "customers", "unmatched", "all"]
        var sums = [[CurrencyTotals?]](repeating: [], count: categories.count)
        func add(_ entry: LedgerEntry, _ kind: UInt8, to category: Int) {
            let currency = Int(entry.currencyIndex)
            if sums[category].count <= currency {
                sums[category].append(contentsOf: repeatElement(nil, count: currency + 1 - sums[category].count))
            }
            var sum = sums[category][currency] ?? CurrencyTotals()
            sum.add(entry, disputeKind: kind)
            sums[category][currency] = sum
        }
        ledger.entries.withUnsafeBufferPointer { entries in
            for (index, role) in roles.enumerated() {
                let category: Int
                switch role {
                case .guest: category = 0
                case .customer: category = 1
                case .unmatched: category = 2
                default: continue
                }
                let entry = entries[index]
                guard entry.currency != nil else { continue }
                let kind = ledger.disputeKind(entry)
                add(entry, kind, to: category)
                add(entry, kind, to: categories.count - 1)
            }
        }
        var totals: [String: [Currency: CurrencyTotals]] = [:]
        for (category, byCurrency) in zip(categories, sums) {
            for (index, sum) in byCurrency.enumerated() {
                guard let sum, let currency = Currency.at(index: UInt16(index)) else { continue }
                totals[category, default: [:]][currency] = sum
            }
        }
        return totals
    }

    /// Guest share of gross per currency, as text with four decimals.
    func guestShares() -> [(currency: String, share: String)] {
        let totals = self.totals()
        return (totals["all"] ?? [:]).sorted { $0.key < $1.key }.map { currency, all in
            let guest = totals["guests"]?[currency]?.gross ?? 0
            return (currency.code, all.gross == 0 ? "0" : String(format: "%.4f", Double(guest) / Double(all.gross)))
        }
    }

    /// `summary.json`'s `hubs`: the limits, and the hubs most widely shared first (at most 20).
    private var hubsJSON: String {
        let q = JSONText.quote
        let limits = settings.grouping.hubLimits
        let top = hubs.prefix(20)
        let listed = top.map { hub in
            JSONText.object([("type", q(hub.report.identifier.kind.rawValue)), ("identifier", q(hub.shown)),
                             ("distinct_cards", String(hub.report.hub.distinctCards)), ("distinct_emails", String(hub.report.hub.distinctEmails)),
                             ("distinct_phones", String(hub.report.hub.distinctPhones)), ("payments", String(hub.report.hub.payments)),
                             ("guests", String(hub.report.guests)), ("largest_guest_id", q(hub.report.largestGuestID)),
                             ("largest_guest_payments", String(hub.report.largestGuestPayments)),
                             ("advice", q(hub.report.advice(policy: settings.grouping.policy, shown: hub.shown)))])
        }
        return JSONText.object([("max_cards", String(limits.maxCards)), ("max_phones_per_email", String(limits.maxPhonesPerEmail)),
                                ("max_emails_per_phone", String(limits.maxEmailsPerPhone)), ("count", String(hubs.count)),
                                ("top", "[" + listed.joined(separator: ",") + "]")])
    }

    func json() -> String {
        let q = JSONText.quote
        func object(_ pairs: [(String, String)]) -> String { JSONText.object(pairs) }
        func countsObject<K>(_ values: [K: Int], _ name: (K) -> String) -> String {
            object(values.map { (name($0.key), String($0.value)) }.sorted { $0.0 < $1.0 })
        }
        let files = built.reports.map { report in
            object([("path", q(report.path)), ("compression", q(report.compression.rawValue)),
                    ("layout", report.profile.map { q($0.rawValue) } ?? "null"), ("rows", String(report.rows)),
                    ("payments", String(report.payments)), ("rejects", String(report.rejects)),
                    ("first_created", report.firstCreated.map { q(UTCTime.formatISO($0)) } ?? "null"),
                    ("last_created", report.lastCreated.map { q(UTCTime.formatISO($0)) } ?? "null")])
        }
        var anchors: [String: Int] = [:]
        for guest in guests { anchors[guest.anchor.kind.rawValue, default: 0] += 1 }
        var matched: [String: Int] = [:]
        for role in grouping.roles { if case .guest(_, let kind) = role { matched[kind.rawValue, default: 0] += 1 } }
        let stats = grouping.stats
        let placeholders = object(IdentifierKind.allCases.map { kind in
            let values = stats.placeholderValues[kind] ?? [:]
            let top = values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(20)
            return (kind.rawValue, object([("payments", String(stats.placeholderPayments[kind] ?? 0)),
                                           ("values", object(top.map { ($0.key, String($0.value)) }))]))
        })
        let totals = self.totals()
        let totalsJSON = object(["guests", "customers", "unmatched", "all"].map { category in
            (category, object((totals[category] ?? [:]).sorted { $0.key < $1.key }.map { currency, value in
                (currency.code, object([("gross", q(currency.format(value.gross))), ("refunded", q(currency.format(value.refunded))),
                                        ("net", q(currency.format(value.net))), ("disputed", q(currency.format(value.disputed))),
                                        ("dispute_losses", q(currency.format(value.disputeLosses))),
                                        ("succeeded_payments", String(value.succeeded))]))
            }))
        })
        let share = object((totals["all"] ?? [:]).sorted { $0.key < $1.key }.map { currency, all in
            let guest = totals["guests"]?[currency]?.gross ?? 0
            return (currency.code, all.gross == 0 ? "0" : String(format: "%.4f", Double(guest) / Double(all.gross)))
        })
        var pairs: [(String, String)] = [
            ("tool", q("guestpipe")),
            ("policy", q(settings.grouping.policy.rawValue)),
            ("phone_region", q(settings.grouping.normalization.phoneRegion)),
            ("email_provider_rules", settings.grouping.normalization.emailProviderRules ? "true" : "false"),
            ("include_test", settings.grouping.includeTest ? "true" : "false"),
            ("files", "[" + files.joined(separator: ",") + "]"),
            ("rows_read", String(built.reports.reduce(0) { $0 + $1.rows })),
            ("rejects", String(built.rejectCount)),
            ("duplicates_replaced", String(built.ledger.duplicatesReplaced)),
            ("payments", String(built.ledger.entries.count)),
        ]
        pairs += counts.named.map { ($0.0, String($0.1)) }
        pairs += [
            ("guests", String(guests.count)),
            ("guests_by_anchor_type", countsObject(anchors) { $0 }),
            ("guest_payments_by_matched_identifier", countsObject(matched) { $0 }),
            ("guest_payments_with_identifier", countsObject(stats.paymentsWith) { $0.rawValue }),
            ("placeholders", placeholders),
            ("invalid_phone_payments", String(stats.invalidPhonePayments)),
            ("hubs", hubsJSON),
            ("totals", totalsJSON),
            ("guest_share_of_gross", share),
            ("no_guests_reason", noGuestsReason.map(q) ?? "null"),
            ("id_key", object([("source", q(key.source.rawValue)), ("path", key.path.map(q) ?? "null"), ("fingerprint", q(key.fingerprint))])),
            ("warnings", "[" + warnings.map(q).joined(separator: ",") + "]"),
            ("seconds", String(format: "%.3f", Date().timeIntervalSince(started))),
        ]
        return object(pairs) + "\n"
    }
}

extension Currency {
    func format(_ minor: Int64) -> String { MinorUnits.format(minor, exponent: exponent) }
}
