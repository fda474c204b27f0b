/// A calendar month (UTC), e.g. for the card networks' monthly ratios. Compared by year, then
/// month, so comparisons never depend on how a month is spelled; `description` is `YYYY-MM`.
public struct Month: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    /// 1 (January) through 12.
    public let month: Int

    public init(year: Int, month: Int) {
        precondition((1...12).contains(month), "a month is 1 through 12")
        self.year = year
        self.month = month
    }

    /// The month a UTC time falls in.
    public init(containing seconds: Int64) {
        let (year, month, _, _, _, _) = UTCTime.components(seconds)
        self.init(year: year, month: month)
    }

    /// `YYYY-MM`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else { return nil }
        self.init(year: year, month: month)
    }

    public var previous: Month { month == 1 ? Month(year: year - 1, month: 12) : Month(year: year, month: month - 1) }
    public var next: Month { month == 12 ? Month(year: year + 1, month: 1) : Month(year: year, month: month + 1) }

    /// `YYYY-MM`, as `UTCTime.formatDate` writes the first seven characters of a date.
    public var description: String { Self.pad(year, 4) + "-" + Self.pad(month, 2) }

    public static func < (lhs: Month, rhs: Month) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        let missing = width - text.utf8.count
        return missing > 0 ? String(repeating: "0", count: missing) + text : text
    }
}
