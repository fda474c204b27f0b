import GuestPipeCore

/// Thresholds and weights of fraud review. Every value in `settings` can be set in the pipeline
/// file's `[fraud]` table under its name there; the defaults (below) are documented in the README.
public struct FraudThresholds: Sendable {
    // MARK: When signals fire

    /// Disputes ÷ succeeded payments at or above this is a signal (with at least one dispute).
    public var disputeRate = 0.05
    /// Refunded ÷ succeeded payments at or above this, with at least `refundRateMinRefunds` refunds.
    public var refundRate = 0.5
    /// Distinct cards behind one email or phone (across guests); `cards_per_email` in the file.
    public var cardsPerEmailOrPhone = 4.0
    /// Distinct emails used with one card (across guests).
    public var emailsPerCard = 4.0
    /// Payments within any hour / any 24 hours.
    public var velocityPerHour = 5.0
    public var velocityPerDay = 15.0
    /// Card testing (`CardTestingDetector`): a card first seen at most `burstGapMinutes` earlier
    /// gives a payment the burst shape; failed shaped payments more than `burstGapMinutes` apart
    /// break a chain; a burst has at least `burstMinAttempts` members, `burstMinFailures` of them
    /// failed, and half as many distinct cards; members are taken from `burstGapMinutes` before
    /// the first failure to as long after the last; `burstWindowMinutes` is the shortest duration the density test assumes.
    public var burstWindowMinutes = 10.0
    public var burstGapMinutes = 60.0
    public var burstMinAttempts = 5.0
    public var burstMinFailures = 3.0
    /// Account-wide bursts count only payments at or below this amount (major units), and need
    /// this many times the failures the account's scattered small failures predict.
    public var burstMaxAmount = 3.0
    public var burstDensityFactor = 5.0
    /// CVC or postal-code check failures.
    public var checkFailures = 1.0
    /// Score from which a guest is in the queue at all (`watch`), so that one weak signal (a
    /// failed CVC, a country mismatch) does not queue a guest alone; from which it is `review`,
    /// and `high`. A confirmed card is `high` whatever its score.
    public var queueScore = 30.0
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

    // MARK: Points each signal adds to a guest's score (the score is capped at 100)

    /// `disputes`: per dispute, more per fraudulent dispute and per lost one, at most the maximum.
    public var disputesPoints = 15
    public var disputesFraudulentPoints = 15
    public var disputesLostPoints = 10
    public var disputesMaxPoints = 60
    /// `dispute_rate`.
    public var disputeRatePoints = 15
    /// `card_testing`.
    public var cardTestingPoints = 40
    /// `confirmed_card`: a guest's payment succeeded inside a card-testing burst.
    public var confirmedCardPoints = 70
    /// `cards_per_email`: at the threshold, per card above it, at most the maximum.
    public var cardsPerEmailOrPhonePoints = 20
    public var cardsPerEmailOrPhoneExtraPoints = 5
    public var cardsPerEmailOrPhoneMaxPoints = 35
    /// `shared_identifier`: one of the guest's emails or phones is a hub (never enough alone
    /// to queue a guest).
    public var sharedIdentifierPoints = 5
    /// `emails_per_card`: at the threshold, per email above it, at most the maximum.
    public var emailsPerCardPoints = 30
    public var emailsPerCardExtraPoints = 5
    public var emailsPerCardMaxPoints = 50
    /// `refund_rate`: needs at least `refundRateMinRefunds` refunded payments; from
    /// `refundRateManyRefunds` of them it weighs `refundRateManyPoints`.
    public var refundRateMinRefunds = 2
    public var refundRatePoints = 25
    public var refundRateManyRefunds = 5
    public var refundRateManyPoints = 45
    /// `velocity`: the hourly and the daily threshold each add theirs.
    public var velocityHourPoints = 40
    public var velocityDayPoints = 15
    /// `country_mismatch`.
    public var countryMismatchPoints = 10
    /// `check_failures`: from `checkFailuresMany` failed checks it weighs `checkFailuresManyPoints`.
    public var checkFailuresPoints = 10
    public var checkFailuresMany = 3
    public var checkFailuresManyPoints = 20
    /// `risk` (the source's own risk columns): Stripe's `elevated` level or a score from
    /// `riskElevatedScore`; `highest` or a score from `riskHighestScore`.
    public var riskElevatedScore = 65
    public var riskElevatedPoints = 10
    public var riskHighestScore = 75
    public var riskHighestPoints = 25

    public init() {}

    /// One `[fraud]` setting: its name in the pipeline file and the value it sets.
    public struct Setting: Sendable {
        public enum Value: Sendable {
            case number(WritableKeyPath<FraudThresholds, Double> & Sendable)
            /// Points and counts: whole numbers only.
            case integer(WritableKeyPath<FraudThresholds, Int> & Sendable)
        }

        public let name: String
        public let value: Value

        public var isInteger: Bool {
            if case .integer = value { return true }
            return false
        }

        /// Whole-number settings stay within this, so no score arithmetic can overflow.
        public static let integerRange = 0...1_000_000

        /// Why `number` cannot be this setting's value (completing "`name` …"), or nil.
        public func problem(with number: Double) -> String? {
            guard isInteger else { return nil }
            let range = Setting.integerRange
            guard number == number.rounded(), Double(range.lowerBound) <= number, number <= Double(range.upperBound) else {
                return "takes a whole number from \(range.lowerBound) to \(range.upperBound)"
            }
            return nil
        }

        /// The default, as the README's table writes it (`0.05`, `4`, `1500`).
        public var defaultText: String {
            let defaults = FraudThresholds()
            switch value {
            case .integer(let path): return String(defaults[keyPath: path])
            case .number(let path):
                let number = defaults[keyPath: path]
                return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            }
        }

        func apply(_ number: Double, to thresholds: inout FraudThresholds) {
            switch value {
            case .number(let path): thresholds[keyPath: path] = number
            case .integer(let path): thresholds[keyPath: path] = Int(number)
            }
        }
    }

    /// Every setting of the `[fraud]` table, in the README's order. The pipeline file accepts
    /// exactly these names.
    public static let settings: [Setting] = [
        Setting(name: "dispute_rate", value: .number(\.disputeRate)),
        Setting(name: "refund_rate", value: .number(\.refundRate)),
        Setting(name: "cards_per_email", value: .number(\.cardsPerEmailOrPhone)),
        Setting(name: "emails_per_card", value: .number(\.emailsPerCard)),
        Setting(name: "velocity_per_hour", value: .number(\.velocityPerHour)),
        Setting(name: "velocity_per_day", value: .number(\.velocityPerDay)),
        Setting(name: "burst_window_minutes", value: .number(\.burstWindowMinutes)),
        Setting(name: "burst_gap_minutes", value: .number(\.burstGapMinutes)),
        Setting(name: "burst_min_attempts", value: .number(\.burstMinAttempts)),
        Setting(name: "burst_min_failures", value: .number(\.burstMinFailures)),
        Setting(name: "burst_max_amount", value: .number(\.burstMaxAmount)),
        Setting(name: "burst_density_factor", value: .number(\.burstDensityFactor)),
        Setting(name: "check_failures", value: .number(\.checkFailures)),
        Setting(name: "queue_score", value: .number(\.queueScore)),
        Setting(name: "review_score", value: .number(\.reviewScore)),
        Setting(name: "high_score", value: .number(\.highScore)),
        Setting(name: "vamp_threshold", value: .number(\.vampThreshold)),
        Setting(name: "vamp_threshold_before_2026_04", value: .number(\.vampThresholdBefore202604)),
        Setting(name: "vamp_min_incidents", value: .number(\.vampMinIncidents)),
        Setting(name: "ecm_threshold", value: .number(\.ecmThreshold)),
        Setting(name: "ecm_min_chargebacks", value: .number(\.ecmMinChargebacks)),
        Setting(name: "disputes_points", value: .integer(\.disputesPoints)),
        Setting(name: "disputes_fraudulent_points", value: .integer(\.disputesFraudulentPoints)),
        Setting(name: "disputes_lost_points", value: .integer(\.disputesLostPoints)),
        Setting(name: "disputes_max_points", value: .integer(\.disputesMaxPoints)),
        Setting(name: "dispute_rate_points", value: .integer(\.disputeRatePoints)),
        Setting(name: "card_testing_points", value: .integer(\.cardTestingPoints)),
        Setting(name: "confirmed_card_points", value: .integer(\.confirmedCardPoints)),
        Setting(name: "cards_per_email_points", value: .integer(\.cardsPerEmailOrPhonePoints)),
        Setting(name: "cards_per_email_extra_points", value: .integer(\.cardsPerEmailOrPhoneExtraPoints)),
        Setting(name: "cards_per_email_max_points", value: .integer(\.cardsPerEmailOrPhoneMaxPoints)),
        Setting(name: "shared_identifier_points", value: .integer(\.sharedIdentifierPoints)),
        Setting(name: "emails_per_card_points", value: .integer(\.emailsPerCardPoints)),
        Setting(name: "emails_per_card_extra_points", value: .integer(\.emailsPerCardExtraPoints)),
        Setting(name: "emails_per_card_max_points", value: .integer(\.emailsPerCardMaxPoints)),
        Setting(name: "refund_rate_min_refunds", value: .integer(\.refundRateMinRefunds)),
        Setting(name: "refund_rate_points", value: .integer(\.refundRatePoints)),
        Setting(name: "refund_rate_many_refunds", value: .integer(\.refundRateManyRefunds)),
        Setting(name: "refund_rate_many_points", value: .integer(\.refundRateManyPoints)),
        Setting(name: "velocity_hour_points", value: .integer(\.velocityHourPoints)),
        Setting(name: "velocity_day_points", value: .integer(\.velocityDayPoints)),
        Setting(name: "country_mismatch_points", value: .integer(\.countryMismatchPoints)),
        Setting(name: "check_failures_points", value: .integer(\.checkFailuresPoints)),
        Setting(name: "check_failures_many", value: .integer(\.checkFailuresMany)),
        Setting(name: "check_failures_many_points", value: .integer(\.checkFailuresManyPoints)),
        Setting(name: "risk_elevated_score", value: .integer(\.riskElevatedScore)),
        Setting(name: "risk_elevated_points", value: .integer(\.riskElevatedPoints)),
        Setting(name: "risk_highest_score", value: .integer(\.riskHighestScore)),
        Setting(name: "risk_highest_points", value: .integer(\.riskHighestPoints)),
    ]

    /// The setting a `[fraud]` name stands for, if any.
    public static func setting(named name: String) -> Setting? { settings.first { $0.name == name } }

    /// The known names, sorted, for messages.
    public static var settingNames: [String] { settings.map(\.name).sorted() }

    /// Defaults overridden by `[fraud]` values; an unknown name is an error (78) naming it and
    /// listing the known ones, never ignored. Integer settings take whole numbers only.
    public init(validating overrides: [String: Double]) throws {
        self.init()
        for key in overrides.keys.sorted() {
            guard let setting = Self.setting(named: key) else {
                throw GuestPipeError(.configuration, "unknown fraud setting \"\(MessageText.safe(key))\" (known: \(Self.settingNames.joined(separator: ", ")))",
                                     fix: "use one of the names in README's Fraud review section")
            }
            let value = overrides[key]!
            if let problem = setting.problem(with: value) {
                throw GuestPipeError(.configuration, "fraud setting \"\(key)\" \(problem)", fix: "write a whole number, e.g. 25")
            }
            setting.apply(value, to: &self)
        }
    }
}
