import GuestPipeCore

/// Thresholds and weights of fraud review. Every value can be set in the pipeline file's
/// `[fraud]` table (same names); the defaults are documented in the README.
public struct FraudThresholds: Sendable {
    /// Disputes ÷ succeeded payments at or above this is a signal (with at least one dispute).
    public var disputeRate = 0.05
    /// Refunded ÷ succeeded payments at or above this, with at least two refunds.
    public var refundRate = 0.5
    /// Distinct cards behind one email or phone (across guests); `cards_per_email` in the file.
    public var cardsPerEmailOrPhone = 4.0
    /// Distinct emails used with one card (across guests).
    public var emailsPerCard = 4.0
    /// Payments within any hour / any 24 hours.
    public var velocityPerHour = 5.0
    public var velocityPerDay = 15.0
    /// Card testing: at least `burstMinFailures` failed payments within `burstWindowMinutes`,
    /// with at least half as many distinct cards.
    public var burstWindowMinutes = 10.0
    public var burstMinFailures = 8.0
    /// Account-wide bursts count only failed payments at or below this amount (major units).
    public var burstMaxAmount = 3.0
    /// CVC or postal-code check failures.
    public var checkFailures = 1.0
    /// Score at which a guest enters the review queue, and at which it is high priority.
    public var reviewScore = 40.0
    public var highScore = 70.0
    /// Visa VAMP: 1.5% from April 2026, 2.2% before; counted above 1,500 incidents a month.
    public var vampThreshold = 0.015
    public var vampThresholdBefore202604 = 0.022
    /// The first month `vampThreshold` applies to (not a pipeline setting: the names above carry it).
    public var vampThresholdFrom = Month(year: 2026, month: 4)
    public var vampMinIncidents = 1500.0
    /// Mastercard ECM: 1.5% with at least 100 chargebacks.
    public var ecmThreshold = 0.015
    public var ecmMinChargebacks = 100.0

    public init() {}

    /// Defaults overridden by `[fraud]` values (names as in the pipeline file).
    public init(overrides: [String: Double]) {
        self.init()
        for (key, value) in overrides {
            switch key {
            case "dispute_rate": disputeRate = value
            case "refund_rate": refundRate = value
            case "cards_per_email": cardsPerEmailOrPhone = value
            case "emails_per_card": emailsPerCard = value
            case "velocity_per_hour": velocityPerHour = value
            case "velocity_per_day": velocityPerDay = value
            case "burst_window_minutes": burstWindowMinutes = value
            case "burst_min_failures": burstMinFailures = value
            case "burst_max_amount": burstMaxAmount = value
            case "check_failures": checkFailures = value
            case "review_score": reviewScore = value
            case "high_score": highScore = value
            case "vamp_threshold": vampThreshold = value
            case "vamp_threshold_before_2026_04": vampThresholdBefore202604 = value
            case "vamp_min_incidents": vampMinIncidents = value
            case "ecm_threshold": ecmThreshold = value
            case "ecm_min_chargebacks": ecmMinChargebacks = value
            default: break
            }
        }
    }
}
