import Dispatch
import GuestPipeCore
import Grouping

/// A guest's place in the review queue.
public struct ReviewEntry: Sendable {
    /// Lowest first: the cases' order is the tiers' order.
    public enum Tier: String, Sendable, Comparable, CaseIterable {
        case none, watch, review, high

        var rank: Int { Tier.allCases.firstIndex(of: self)! }
        public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.rank < rhs.rank }
        /// The tiers of the review queue, highest first (`none` is not in the queue).
        public static var queued: [Tier] { allCases.filter { $0 != .none }.reversed() }
    }

    /// Index into the guest summaries given to the reviewer.
    public var guest: Int
    public var guestID: String
    public var score: Int
    public var tier: Tier
    public var findings: [SignalFinding]
}

/// Scores every guest: the sum of its signals' points, capped at 100. Guests below `queue_score`
/// are left out; tiers by the pipeline's thresholds (`high_score`, or a confirmed card: high;
/// `review_score`: review; below that: watch).
public struct FraudReviewer {
    /// Every signal, in the order of the `fraud_review.csv` columns.
    public static let signals: [FraudSignal] = [
        DisputesSignal(), DisputeRateSignal(), CardTestingSignal(), ConfirmedCardSignal(), CardsPerEmailOrPhoneSignal(), EmailsPerCardSignal(),
        SharedIdentifierSignal(),
        RefundRateSignal(), VelocitySignal(), CountryMismatchSignal(), CheckFailuresSignal(), RiskColumnsSignal(),
    ]

    public static var signalNames: [String] { signals.map(\.name) }

    public let context: FraudContext

    public init(context: FraudContext) { self.context = context }

    /// Review entries of the guests that reach the queue, highest score first. Guests are
    /// scored in slices on all cores (signals only read the context); the order is fixed by the
    /// final sort, so the result does not depend on how the slices ran.
    public func review(_ guests: [GuestSummary]) -> [ReviewEntry] {
        let slices = max(1, min(16, guests.count / 4096))
        var found = [[ReviewEntry]](repeating: [], count: slices)
        // The signals read each guest's payments and their identifiers: loaded ahead.
        withPrefetcher(guests) { prefetcher in found.withUnsafeMutableBufferPointer { results in
            ParallelWork.perform(slices) { slice in
                let range = guests.count * slice / slices..<guests.count * (slice + 1) / slices
                // Many guests get the very same sentence (same signal, same numbers); each slice
                // keeps one copy of each, so a queue of millions holds thousands of sentences.
                var sentences: [String: String] = [:]
                results[slice] = range.compactMap { index in
                    prefetcher.payments(before: index)
                    guard var found = entry(for: guests[index], at: index) else { return nil }
                    for position in found.findings.indices {
                        let reason = found.findings[position].reason
                        if let shared = sentences[reason] {
                            found.findings[position].reason = shared
                        } else {
                            sentences[reason] = reason
                        }
                    }
                    return found
                }
            }
        } }
        return found.flatMap { $0 }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.guestID < $1.guestID }
    }

    /// Calls `body` with a prefetcher over `guests`, their ledger entries and identifiers.
    private func withPrefetcher<R>(_ guests: [GuestSummary], _ body: (GuestPrefetcher) -> R) -> R {
        let ids = context.grouping.identifiers
        return guests.withUnsafeBufferPointer { guests in
            context.ledger.entries.withUnsafeBufferPointer { entries in
                ids.card.withUnsafeBufferPointer { cards in
                    ids.email.withUnsafeBufferPointer { emails in
                        ids.phone.withUnsafeBufferPointer { phones in
                            body(GuestPrefetcher(guests: guests, entries: entries, identifiers: [cards, emails, phones]))
                        }
                    }
                }
            }
        }
    }

    private func entry(for guest: GuestSummary, at index: Int) -> ReviewEntry? {
        let findings = FraudReviewer.signals.compactMap { $0.evaluate(guest, context) }
        guard !findings.isEmpty else { return nil }
        let score = min(100, findings.reduce(0) { $0 + $1.points })
        let t = context.thresholds
        let confirmed = findings.contains { $0.signal == ConfirmedCardSignal.signalName }
        guard Double(score) >= t.queueScore || confirmed else { return nil }
        let tier: ReviewEntry.Tier = Double(score) >= t.highScore || confirmed ? .high : Double(score) >= t.reviewScore ? .review : .watch
        return ReviewEntry(guest: index, guestID: guest.id, score: score, tier: tier, findings: findings)
    }
}
