import GuestPipeCore
import Grouping
import Ingest

/// `summary.json`: what a run read, what it found, and why (run-scoped, not byte-stable).
final class RunSummary {
    let settings: RunSettings
    let built: LedgerBuilder.Built
    let grouping: GroupingResult
    let guests: [GuestSummary]
    let key: IDKey
    let seconds: Double
    let warnings: [String]

    init(settings: RunSettings, built: LedgerBuilder.Built, grouping: GroupingResult, guests: [GuestSummary], key: IDKey,
         seconds: Double, warnings: [String]) {
        self.settings = settings
        self.built = built
        self.grouping = grouping
        self.guests = guests
        self.key = key
        self.seconds = seconds
        self.warnings = warnings
    }

    private(set) lazy var counts: [String: Int] = computeCounts()
    private lazy var cachedTotals: [String: [Currency: CurrencyTotals]] = computeTotals()

    private func computeCounts() -> [String: Int] {
        var counts: [String: Int] = ["test_mode_left_out": 0, "incomplete": 0, "customer_payments": 0, "unmatched": 0, "guest_payments": 0]
        for role in grouping.roles {
            switch role {
            case .outsideWindow: counts["outside_window", default: 0] += 1
            case .testLeftOut: counts["test_mode_left_out", default: 0] += 1
            case .incomplete: counts["incomplete", default: 0] += 1
            case .customer: counts["customer_payments", default: 0] += 1
            case .unmatched: counts["unmatched", default: 0] += 1
            case .guest: counts["guest_payments", default: 0] += 1
            }
        }
        return counts
    }

    var guestPayments: Int { counts["guest_payments"] ?? 0 }
    var unmatched: Int { counts["unmatched"] ?? 0 }

    /// Why there are no guests, in Stripe's words, when there are none.
    var noGuestsReason: String? {
        let counts = self.counts
        guard guests.isEmpty else { return nil }
        if (counts["customer_payments"] ?? 0) > 0 && (counts["unmatched"] ?? 0) == 0 {
            return "every payment carried a Customer ID: the integration passes a customer, or Checkout's customer_creation is 'always'"
        }
        if (counts["unmatched"] ?? 0) > 0 {
            return "guest payments were found, but none had a usable card, email or phone (see unmatched.csv)"
        }
        if (counts["test_mode_left_out"] ?? 0) > 0 && (counts["customer_payments"] ?? 0) == 0 {
            return "every payment was a test-mode payment, which is left out (--include-test keeps them)"
        }
        if (counts["outside_window"] ?? 0) > 0 && (counts["customer_payments"] ?? 0) == 0 {
            return "no payment was created between --since and --until"
        }
        if (counts["incomplete"] ?? 0) > 0 && (counts["customer_payments"] ?? 0) == 0 {
            return "every row was an incomplete PaymentIntent (an abandoned checkout; see incomplete.csv)"
        }
        return "the exports hold no payments (only a header, or every row was rejected)"
    }

    /// Per category and currency: gross, refunded, net, disputed, dispute losses.
    func totals() -> [String: [Currency: CurrencyTotals]] { cachedTotals }

    private func computeTotals() -> [String: [Currency: CurrencyTotals]] {
        var totals: [String: [Currency: CurrencyTotals]] = [:]
        let ledger = built.ledger
        for (index, role) in grouping.roles.enumerated() {
            let category: String
            switch role {
            case .guest: category = "guests"
            case .customer: category = "customers"
            case .unmatched: category = "unmatched"
            default: continue
            }
            let entry = ledger.entries[index]
            guard let currency = entry.currency else { continue }
            totals[category, default: [:]][currency, default: CurrencyTotals()].add(entry, ledger: ledger)
            totals["all", default: [:]][currency, default: CurrencyTotals()].add(entry, ledger: ledger)
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

    func json() -> String {
        let q = JSONText.quote
        func object(_ pairs: [(String, String)]) -> String { JSONText.object(pairs) }
        func countsObject<K>(_ values: [K: Int], _ name: (K) -> String) -> String {
            object(values.map { (name($0.key), String($0.value)) }.sorted { $0.0 < $1.0 })
        }
        let counts = self.counts
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
        for name in ["test_mode_left_out", "incomplete", "customer_payments", "guest_payments", "unmatched"] {
            pairs.append((name, String(counts[name] ?? 0)))
        }
        pairs += [
            ("guests", String(guests.count)),
            ("guests_by_anchor_type", countsObject(anchors) { $0 }),
            ("guest_payments_by_matched_identifier", countsObject(matched) { $0 }),
            ("guest_payments_with_identifier", countsObject(stats.paymentsWith) { $0.rawValue }),
            ("placeholders", placeholders),
            ("invalid_phone_payments", String(stats.invalidPhonePayments)),
            ("totals", totalsJSON),
            ("guest_share_of_gross", share),
            ("no_guests_reason", noGuestsReason.map(q) ?? "null"),
            ("id_key", object([("source", q(key.source.rawValue)), ("path", key.path.map(q) ?? "null"), ("fingerprint", q(key.fingerprint))])),
            ("warnings", "[" + warnings.map(q).joined(separator: ",") + "]"),
            ("seconds", String(format: "%.3f", seconds)),
        ]
        return object(pairs) + "\n"
    }
}

extension Currency {
    func format(_ minor: Int64) -> String { MinorUnits.format(minor, exponent: exponent) }
}
