import FraudReview
import Foundation

/// Everything `report.html` and `report.md` show, prepared by the pipeline, with personal data
/// already passed through the report's privacy setting.
public struct ReportModel {
    public struct Volume {
        public var period: String, guests: Int64, customers: Int64
        public init(period: String, guests: Int64, customers: Int64) { self.period = period; self.guests = guests; self.customers = customers }
    }
    public struct QueueRow {
        public var guestID: String, tier: String, score: Int, contact: String, reasons: [String]
        public init(guestID: String, tier: String, score: Int, contact: String, reasons: [String]) {
            self.guestID = guestID; self.tier = tier; self.score = score; self.contact = contact; self.reasons = reasons
        }
    }
    public struct Burst {
        public var start: String, minutesSpan: Int, failures: Int, cards: Int, behind: String, guests: Int, time: Int64
        public init(start: String, minutesSpan: Int, failures: Int, cards: Int, behind: String, guests: Int, time: Int64) {
            self.start = start; self.minutesSpan = minutesSpan; self.failures = failures; self.cards = cards
            self.behind = behind; self.guests = guests; self.time = time
        }
    }

    public var generatedAt: String
    public var period: String
    public var policy: String
    public var privacy: String
    public var files: Int
    public var guests: Int
    public var guestPayments: Int
    public var customerPayments: Int
    public var unmatched: Int
    public var disputes: Int
    /// currency → (guest gross, all gross), decimal strings, and share.
    public var shares: [(currency: String, guestGross: String, allGross: String, share: Double)]
    /// Volume per period in `volumeCurrency` minor units.
    public var volumeCurrency: String
    public var volumeExponent: Int
    public var volume: [Volume]
    public var ratios: [MonthlyRatio]
    /// The top of the review queue without the guests only card testing put there (the
    /// report shows those as bursts): at most `ReportModel.queueRowsShown` rows.
    public var queue: [QueueRow]
    /// Guests in the queue, apart from those only card testing put there, and those.
    public var queueStories: Int
    public var queueCardTesting: Int
    public var queueCounts: (high: Int, review: Int, watch: Int)
    /// Rows of the queue a report shows.
    public static let queueRowsShown = 20
    public var bursts: [Burst]
    /// Guests by number of payments: label → count.
    public var sizes: [(label: String, count: Int)]
    public var quality: [(label: String, value: String)]
    /// What changed since the previous run on the state; nil without one.
    public var changes: RunDiff?
    /// Set when there are no guests: "no guest payments in …", and why.
    public var noGuests: String?
    public var falsePositiveNote: String?
    /// Hubs (emails and phones shared too widely to say who paid), most widely shared first,
    /// one sentence each with what they do to guests and what to do; and how many there are.
    public var hubs: [String] = []
    public var hubCount = 0
    /// Rows of hubs a report shows.
    public static let hubRowsShown = 10

    public init(generatedAt: String, period: String, policy: String, privacy: String, files: Int, guests: Int, guestPayments: Int,
                customerPayments: Int, unmatched: Int, disputes: Int, shares: [(currency: String, guestGross: String, allGross: String, share: Double)],
                volumeCurrency: String, volumeExponent: Int, volume: [Volume], ratios: [MonthlyRatio], queue: [QueueRow],
                queueStories: Int, queueCardTesting: Int, queueCounts: (high: Int, review: Int, watch: Int), bursts: [Burst], sizes: [(label: String, count: Int)],
                quality: [(label: String, value: String)], changes: RunDiff?) {
        self.generatedAt = generatedAt
        self.period = period
        self.policy = policy
        self.privacy = privacy
        self.files = files
        self.guests = guests
        self.guestPayments = guestPayments
        self.customerPayments = customerPayments
        self.unmatched = unmatched
        self.disputes = disputes
        self.shares = shares
        self.volumeCurrency = volumeCurrency
        self.volumeExponent = volumeExponent
        self.volume = volume
        self.ratios = ratios
        self.queue = queue
        self.queueStories = queueStories
        self.queueCardTesting = queueCardTesting
        self.queueCounts = queueCounts
        self.bursts = bursts
        self.sizes = sizes
        self.quality = quality
        self.changes = changes
    }
}
