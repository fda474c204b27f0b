import FraudReview
import Foundation
import GuestPipeCore

/// `report.html`: one self-contained page (no network, inline SVG, prints well) for the
/// morning review: what changed, headline numbers, volume, network ratios, the review queue,
/// card testing, guest sizes and data quality.
public enum ReportHTML {
    public static func render(_ m: ReportModel) -> String {
        var body = "<header><h1>Guest customers and fraud review</h1><p class=\"meta\">\(esc(m.period)) · policy <b>\(esc(m.policy))</b> · \(m.files) export\(m.files == 1 ? "" : "s") · personal data \(esc(m.privacy)) · generated \(esc(m.generatedAt))</p></header>\n"
        if let c = m.changes {
            body += "<section class=\"changes\"><h2>What changed since the last run</h2><ul>"
            body += "<li><b>\(c.newGuests.count)</b> new guest\(c.newGuests.count == 1 ? "" : "s")</li>"
            body += "<li>\(esc(c.mergedSentence))\(changeList(c.mergeLines))</li>"
            body += "<li>\(esc(c.splitSentence))\(changeList(c.splitLines))</li>"
            if !c.reanchored.isEmpty {
                body += "<li><b>\(c.reanchored.count)</b> guest id\(c.reanchored.count == 1 ? "" : "s") re-anchored (the same payments under a new anchor: an earlier first payment, or other identifiers on it)"
                body += changeList(c.reanchored.map { "\($0.old) → \($0.new)" }) + "</li>"
            }
            if !c.unknownKind.isEmpty {
                body += "<li><b>\(c.unknownKind.count)</b> guest id\(c.unknownKind.count == 1 ? "" : "s") changed, kind unknown (the state held no record of the last run's guests)</li>"
            }
            body += "<li><b>\(c.tierRises.count)</b> guest\(c.tierRises.count == 1 ? "" : "s") moved to a higher tier"
            if !c.tierRises.isEmpty { body += ": " + c.tierRises.prefix(10).map { "<code>\(esc($0.guestID))</code> \(esc($0.from)) → <b>\(esc($0.to))</b>" }.joined(separator: ", ") }
            body += "</li><li><b>\(c.newDisputeCount)</b> new dispute\(c.newDisputeCount == 1 ? "" : "s") on guests</li></ul></section>\n"
        } else {
            body += "<section class=\"changes\"><h2>What changed</h2><p>Nothing to compare with: this run kept no state from an earlier one (run with <code>--state DIR</code> to see new guests, tier changes and new disputes).</p></section>\n"
        }
        if let noGuests = m.noGuests { body += "<section class=\"empty\"><p><b>\(esc(noGuests))</b></p></section>\n" }
        body += "<section><h2>Headline</h2><div class=\"cards\">"
        body += tile("Guests", "\(m.guests)") + tile("Guest payments", "\(m.guestPayments)") + tile("Customer payments", "\(m.customerPayments)")
        body += tile("Unmatched", "\(m.unmatched)") + tile("Disputes on guests", "\(m.disputes)")
        body += tile("In review queue", "\(m.queueCounts.high) high · \(m.queueCounts.review) review") + tile("Card-testing bursts", "\(m.bursts.count)")
        body += "</div><table><tr><th>Currency</th><th>Guest gross</th><th>All gross</th><th>Guest share</th></tr>"
        if m.shares.isEmpty { body += "<tr><td colspan=\"4\">No succeeded payments in any currency.</td></tr>" }
        for share in m.shares { body += "<tr><td>\(esc(share.currency))</td><td class=\"n\">\(esc(grouped(share.guestGross)))</td><td class=\"n\">\(esc(grouped(share.allGross)))</td><td class=\"n\">\(String(format: "%.1f%%", share.share * 100))</td></tr>" }
        body += "</table></section>\n"
        let volumeTitle = m.volume.isEmpty ? "" : " (\(esc(m.volumeCurrency)), by \(m.volume[0].period.count > 7 ? "day" : "month"))"
        body += "<section><h2>Guest and customer volume\(volumeTitle)</h2>\(volumeChart(m))</section>\n"
        body += "<section><h2>Card-network monitoring ratios</h2>\(ratiosChart(m))\(ratiosTable(m))</section>\n"
        // Card-testing bursts make every tested card a guest; they are shown once, as bursts, below.
        let stories = m.queue
        let tested = m.queueCardTesting
        body += "<section><h2>Review queue\(m.queueStories == 0 ? "" : " (top \(min(ReportModel.queueRowsShown, m.queueStories)) of \(m.queueStories))")</h2>"
        if tested > 0 { body += "<p class=\"meta\">\(tested) more guest\(tested == 1 ? "" : "s") were touched by card-testing bursts: see Card testing below and fraud_review.csv.</p>" }
        if stories.isEmpty {
            body += "<p>No other guest has a fraud signal.</p>"
        } else {
            body += "<table class=\"queue\"><tr><th>Guest</th><th>Tier</th><th>Score</th><th>Contact</th><th>Why</th></tr>"
            for row in stories {
                body += "<tr class=\"\(esc(row.tier))\"><td><code>\(esc(row.guestID))</code></td><td>\(esc(row.tier))</td><td class=\"n\">\(row.score)</td><td>\(esc(row.contact))</td><td><ul>\(row.reasons.map { "<li>\(esc($0))</li>" }.joined())</ul></td></tr>"
            }
            body += "</table>"
        }
        body += "</section>\n<section><h2>Card testing</h2>\(burstChart(m))"
        if !m.bursts.isEmpty {
            body += "<table><tr><th>Start (UTC)</th><th>Minutes</th><th>Failures</th><th>Cards</th><th>Behind</th><th>Guests touched</th></tr>"
            for burst in m.bursts.prefix(30) {
                body += "<tr><td>\(esc(burst.start))</td><td class=\"n\">\(burst.minutesSpan)</td><td class=\"n\">\(burst.failures)</td><td class=\"n\">\(burst.cards)</td><td>\(esc(burst.behind))</td><td class=\"n\">\(burst.guests)</td></tr>"
            }
            body += "</table>"
        }
        body += "</section>\n<section><h2>Guest size (payments per guest)</h2>\(sizeChart(m))</section>\n"
        if !m.hubs.isEmpty {
            body += "<section><h2>Shared identifiers (hubs)</h2><p>\(m.hubCount) emails or phones are shared by more cards, emails or phones than one buyer has; the full list is hubs.csv.</p><ul>"
            body += m.hubs.map { "<li>\(esc($0))</li>" }.joined() + "</ul></section>\n"
        }
        body += "<section><h2>Data quality</h2>" + (m.quality.isEmpty ? "<p>Nothing to report: no rows read.</p>" : "") + "<table>" + m.quality.map { "<tr><td>\(esc($0.label))</td><td class=\"n\">\(esc($0.value))</td></tr>" }.joined() + "</table></section>\n"
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>guestpipe report</title><style>\(css)</style></head><body>\n\(body)</body></html>\n"
    }

    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;max-width:1100px;margin:24px auto;padding:0 16px}
    h1{font-size:24px;margin:0}h2{font-size:17px;border-bottom:1px solid #dde3ec;padding-bottom:4px;margin-top:28px}
    .meta{color:#5b6578}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 14px}
    .tile{border:1px solid #dde3ec;border-radius:8px;padding:8px 12px;min-width:130px}.tile b{display:block;font-size:20px}
    .tile span{color:#5b6578;font-size:12px}table{border-collapse:collapse;width:100%;margin:6px 0}
    th,td{border-bottom:1px solid #eef1f6;padding:4px 8px;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
    tr.high td:first-child{border-left:4px solid #c62828}tr.review td:first-child{border-left:4px solid #ef8f00}tr.watch td:first-child{border-left:4px solid #9aa5b8}
    td ul{margin:0;padding-left:16px}.changes{background:#f3f7ff;border:1px solid #c9d8f5;border-radius:8px;padding:4px 14px}
    svg{max-width:100%;height:auto}svg text{font-size:11px;fill:#5b6578}.legend{font-size:12px;color:#5b6578}
    @media print{body{margin:0;max-width:none}section{break-inside:avoid}.tile{border-color:#999}}
    """

    /// The first few id changes of one kind, after a count: ": <code>a → b</code>; …".
    static func changeList(_ lines: [String]) -> String {
        guard !lines.isEmpty else { return "" }
        let shown = lines.prefix(changesShown).map { "<code>\(esc($0))</code>" }.joined(separator: "; ")
        return ": " + shown + (lines.count > changesShown ? "; and \(lines.count - changesShown) more (id_changes.csv lists every one)" : "")
    }

    /// Id changes of one kind a report lists.
    static let changesShown = 5

    static func tile(_ label: String, _ value: String) -> String { "<div class=\"tile\"><b>\(esc(value))</b><span>\(esc(label))</span></div>" }

    static func esc(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Stacked bars: guests (blue) over customers (grey) per period.
    static func volumeChart(_ m: ReportModel) -> String {
        guard !m.volume.isEmpty else { return "<p>No succeeded payments.</p>" }
        let width = 1000.0, height = 220.0, left = 70.0, bottom = 30.0
        let maxValue = niceScale(Double(m.volume.map { $0.guests + $0.customers }.max() ?? 1)).top
        let barWidth = (width - left - 10) / Double(m.volume.count)
        var svg = "<svg class=\"chart\" data-chart=\"volume\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"guest and customer volume\">"
        svg += axis(left: left, width: width, height: height, bottom: bottom, maxValue: maxValue) { grouped(MinorUnits.format(Int64($0), exponent: m.volumeExponent)) }
        for (index, point) in m.volume.enumerated() {
            let x = left + Double(index) * barWidth + 1
            let guestHeight = Double(point.guests) / maxValue * (height - bottom - 10)
            let customerHeight = Double(point.customers) / maxValue * (height - bottom - 10)
            let base = height - bottom
            svg += "<rect x=\"\(f(x))\" y=\"\(f(base - guestHeight))\" width=\"\(f(max(barWidth - 2, 1)))\" height=\"\(f(guestHeight))\" fill=\"#2f6fde\"><title>\(esc(point.period)) guests \(MinorUnits.format(point.guests, exponent: m.volumeExponent))</title></rect>"
            svg += "<rect x=\"\(f(x))\" y=\"\(f(base - guestHeight - customerHeight))\" width=\"\(f(max(barWidth - 2, 1)))\" height=\"\(f(customerHeight))\" fill=\"#b9c3d3\"><title>\(esc(point.period)) customers \(MinorUnits.format(point.customers, exponent: m.volumeExponent))</title></rect>"
            if m.volume.count <= 31 || index % max(1, m.volume.count / 12) == 0 {
                svg += "<text x=\"\(f(x + barWidth / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(esc(String(point.period.suffix(5))))</text>"
            }
        }
        return svg + "</svg><p class=\"legend\"><span style=\"color:#2f6fde\">■</span> guests <span style=\"color:#b9c3d3\">■</span> customers</p>"
    }

    /// Each rule's monthly ratio against its threshold (dashed).
    static func ratiosChart(_ m: ReportModel) -> String {
        let rows = m.ratios.filter { $0.ratio != nil }
        guard !rows.isEmpty else { return "<p>No card payments of the monitored brands.</p>" }
        let months = Array(Set(rows.map(\.month))).sorted()
        let width = 1000.0, height = 200.0, left = 70.0, bottom = 30.0
        let maxValue = niceScale(max(rows.compactMap(\.ratio).max() ?? 0, rows.map(\.threshold).max() ?? 0.02) * 1.15).top
        let step = (width - left - 20) / Double(max(months.count, 1))
        var svg = "<svg class=\"chart\" data-chart=\"ratios\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"network ratios\">"
        svg += axis(left: left, width: width, height: height, bottom: bottom, maxValue: maxValue) { String(format: "%.2f%%", $0 * 100) }
        func y(_ value: Double) -> Double { height - bottom - value / maxValue * (height - bottom - 10) }
        for (rule, color) in [("VAMP", "#2f6fde"), ("ECM", "#e07b00")] {
            let series = rows.filter { $0.rule == rule }
            guard !series.isEmpty else { continue }
            let points = series.map { r in (left + (Double(months.firstIndex(of: r.month)!) + 0.5) * step, y(r.ratio ?? 0)) }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\"/>"
            for (point, r) in zip(points, series) {
                svg += "<circle cx=\"\(f(point.0))\" cy=\"\(f(point.1))\" r=\"3.5\" fill=\"\(color)\"><title>\(r.rule) \(r.month): \(String(format: "%.3f%%", (r.ratio ?? 0) * 100))</title></circle>"
            }
            let threshold = series.last!.threshold
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - 10))\" y1=\"\(f(y(threshold)))\" y2=\"\(f(y(threshold)))\" stroke=\"\(color)\" stroke-dasharray=\"6 4\" opacity=\"0.7\"/>"
        }
        for (index, month) in months.enumerated() {
            svg += "<text x=\"\(f(left + (Double(index) + 0.5) * step))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(esc(month.description))</text>"
        }
        return svg + "</svg><p class=\"legend\"><span style=\"color:#2f6fde\">●</span> Visa VAMP <span style=\"color:#e07b00\">●</span> Mastercard ECM; dashed: thresholds</p>"
    }

    static func ratiosTable(_ m: ReportModel) -> String {
        guard !m.ratios.isEmpty else { return "" }
        var html = "<table><tr><th>Month</th><th>Rule</th><th>Incidents</th><th>Denominator</th><th>Ratio</th><th>Threshold</th><th>Status</th></tr>"
        for r in m.ratios {
            let ratio = r.ratio.map { String(format: "%.3f%%", $0 * 100) } ?? "n/a"
            let status = r.ratio == nil ? r.note : (r.excessive ? "EXCESSIVE — " : (r.ratio! >= r.threshold ? "above threshold (below the \(r.minimumIncidents) minimum) — " : String(format: "%.3f points below — ", (r.threshold - r.ratio!) * 100))) + r.note
            html += "<tr><td>\(esc(r.month.description))</td><td>\(esc(r.brand)) \(esc(r.rule))</td><td class=\"n\">\(r.incidents)</td><td class=\"n\">\(r.denominator)</td><td class=\"n\">\(ratio)</td><td class=\"n\">\(String(format: "%.1f%%", r.threshold * 100))</td><td>\(esc(status))</td></tr>"
        }
        return html + "</table>"
    }

    /// Bursts on a time line: x = start time, bar height = failures.
    static func burstChart(_ m: ReportModel) -> String {
        guard !m.bursts.isEmpty else { return "<p>No card-testing burst found.</p>" }
        let width = 1000.0, height = 160.0, left = 50.0, bottom = 30.0
        let first = m.bursts.map(\.time).min()!, last = m.bursts.map(\.time).max()!
        let span = Double(max(last - first, 3600))
        let maxFailures = Double(m.bursts.map(\.failures).max() ?? 1)
        var svg = "<svg class=\"chart\" data-chart=\"card-testing\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"card-testing timeline\">"
        svg += axis(left: left, width: width, height: height, bottom: bottom, maxValue: maxFailures) { String(Int($0)) }
        for burst in m.bursts {
            let x = left + 5 + Double(burst.time - first) / span * (width - left - 20)
            let h = Double(burst.failures) / maxFailures * (height - bottom - 10)
            svg += "<rect x=\"\(f(x - 3))\" y=\"\(f(height - bottom - h))\" width=\"6\" height=\"\(f(h))\" fill=\"#c62828\"><title>\(esc(burst.start)): \(burst.failures) failures, \(burst.cards) cards</title></rect>"
        }
        svg += "<text x=\"\(f(left))\" y=\"\(f(height - 10))\">\(esc(UTCTime.formatMinutes(first)))</text><text x=\"\(f(width - 10))\" y=\"\(f(height - 10))\" text-anchor=\"end\">\(esc(UTCTime.formatMinutes(last)))</text>"
        return svg + "</svg>"
    }

    static func sizeChart(_ m: ReportModel) -> String {
        guard m.sizes.contains(where: { $0.count > 0 }) else { return "<p>No guests.</p>" }
        let width = 1000.0, height = 180.0, left = 60.0, bottom = 30.0
        let maxValue = niceScale(Double(max(m.sizes.map(\.count).max() ?? 1, 1))).top
        let step = (width - left - 10) / Double(max(m.sizes.count, 1))
        var svg = "<svg class=\"chart\" data-chart=\"sizes\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"guest sizes\">"
        svg += axis(left: left, width: width, height: height, bottom: bottom, maxValue: maxValue) { grouped(String(Int($0))) }
        for (index, bucket) in m.sizes.enumerated() {
            let h = Double(bucket.count) / maxValue * (height - bottom - 10)
            let x = left + Double(index) * step + 6
            svg += "<rect x=\"\(f(x))\" y=\"\(f(height - bottom - h))\" width=\"\(f(step - 12))\" height=\"\(f(h))\" fill=\"#2f6fde\"><title>\(esc(bucket.label)): \(bucket.count) guests</title></rect>"
            svg += "<text x=\"\(f(x + (step - 12) / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(esc(bucket.label))</text>"
        }
        return svg + "</svg>"
    }

    static func axis(left: Double, width: Double, height: Double, bottom: Double, maxValue: Double, label: (Double) -> String) -> String {
        var svg = "<line x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"10\" y2=\"\(f(height - bottom))\" stroke=\"#9aa5b8\"/>"
        svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - 10))\" y1=\"\(f(height - bottom))\" y2=\"\(f(height - bottom))\" stroke=\"#9aa5b8\"/>"
        let scale = niceScale(maxValue)
        let ticks = max(1, Int((scale.top / scale.step).rounded()))
        for tick in 0...ticks {
            let value = scale.step * Double(tick)
            let y = height - bottom - value / scale.top * (height - bottom - 10)
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(esc(label(value)))</text>"
            if tick > 0 { svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - 10))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#eef1f6\"/>" }
        }
        return svg
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A round axis: the step is 1, 2, 2.5 or 5 times a power of ten, the smallest such that four
    /// steps reach `maxValue`; the top is the first step at or above it (50,059.59 → 60,000 by 20,000).
    static func niceScale(_ maxValue: Double) -> (top: Double, step: Double) {
        guard maxValue > 0, maxValue.isFinite else { return (1, 0.25) }
        let raw = maxValue / 4
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
        return (max(1, (maxValue / step * (1 - 1e-12)).rounded(.up)) * step, step)
    }

    /// A decimal number with thousands separators in its whole part (`-1234567.50` → `-1,234,567.50`).
    static func grouped(_ number: String) -> String {
        let negative = number.hasPrefix("-")
        let digits = negative ? number.dropFirst() : Substring(number)
        let whole = digits.prefix { $0 != "." }
        guard whole.allSatisfy(\.isNumber), whole.count > 3 else { return number }
        var result = ""
        for (index, digit) in whole.enumerated() {
            if index > 0 && (whole.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (negative ? "-" : "") + result + digits.dropFirst(whole.count)
    }
}

/// `report.md`: the headline content, for email or chat.
public enum ReportMarkdown {
    public static func render(_ m: ReportModel) -> String {
        var text = "# Guest customers and fraud review\n\n\(m.period) · policy \(m.policy) · \(m.files) exports · generated \(m.generatedAt)\n\n"
        if let c = m.changes {
            text += "**What changed:** \(c.newGuests.count) new guests, \(c.mergedSentence), \(c.splitSentence), \(c.reanchored.count) re-anchored, "
            if !c.unknownKind.isEmpty { text += "\(c.unknownKind.count) ids changed (kind unknown), " }
            text += "\(c.tierRises.count) moved to a higher tier, \(c.newDisputeCount) new disputes on guests.\n\n"
            let lines = c.mergeLines.prefix(ReportHTML.changesShown).map { "- merged: `\($0)`\n" } + c.splitLines.prefix(ReportHTML.changesShown).map { "- split: `\($0)`\n" }
            if !lines.isEmpty { text += lines.joined() + "\n" }
        }
        if let noGuests = m.noGuests { text += "**\(noGuests)**\n\n" }
        text += "- Guests: **\(m.guests)** from \(m.guestPayments) guest payments (\(m.customerPayments) customer payments, \(m.unmatched) unmatched)\n"
        for share in m.shares { text += "- \(share.currency): guest gross \(share.guestGross) of \(share.allGross) (\(String(format: "%.1f%%", share.share * 100)))\n" }
        text += "- Disputes on guests: \(m.disputes); card-testing bursts: \(m.bursts.count)\n"
        text += "- Review queue: \(m.queueCounts.high) high, \(m.queueCounts.review) review, \(m.queueCounts.watch) watch\n"
        for r in m.ratios.suffix(4) {
            text += "- \(r.brand) \(r.rule) \(r.month): \(r.ratio.map { String(format: "%.3f%%", $0 * 100) } ?? "n/a") (threshold \(String(format: "%.1f%%", r.threshold * 100)))\(r.excessive ? " **EXCESSIVE**" : "")\n"
        }
        if !m.hubs.isEmpty {
            text += "\n## Shared identifiers (hubs): \(m.hubCount)\n\n" + m.hubs.map { "- \($0)\n" }.joined()
        }
        let stories = m.queue
        if !stories.isEmpty {
            text += "\n## Top of the review queue\n\n| guest | tier | score | why |\n|---|---|---|---|\n"
            for row in stories.prefix(10) {
                text += "| `\(row.guestID)` | \(row.tier) | \(row.score) | \(row.reasons.joined(separator: " ").replacingOccurrences(of: "|", with: "/")) |\n"
            }
        }
        return text
    }
}
