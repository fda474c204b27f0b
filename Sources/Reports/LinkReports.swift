import Codecs
import GuestPipeCore
import Grouping

/// A hub (an email or phone shared too widely to say who paid) with the guests it reaches under
/// the run's policy: under `dashboard` one shop phone can swell a single guest to thousands of
/// payments; under `linked` it joins nobody.
public struct HubReport: Sendable {
    public let hub: Hub
    public let identifier: Identifier
    /// Guests with at least one payment that carried the hub.
    public let guests: Int
    /// The largest of those guests (most payments; the smaller id on a tie) and its size.
    public let largestGuestID: String
    public let largestGuestPayments: Int

    /// The run's hubs, in identifier order, with the guests they reach.
    public static func make(grouping: GroupingResult, guestIDsByGroup: [String]) -> [HubReport] {
        let hubs = grouping.hubs.hubs
        guard !hubs.isEmpty else { return [] }
        let slotOfID = Dictionary(uniqueKeysWithValues: hubs.enumerated().map { ($0.element.identifier, $0.offset) })
        var guestsOfHub = [Set<Int>](repeating: [], count: hubs.count)
        let identifiers = grouping.identifiers
        for (index, role) in grouping.roles.enumerated() {
            guard case .guest(let guest, _) = role else { continue }
            if grouping.hubs.isHub(identifiers.email[index]), let slot = slotOfID[identifiers.email[index]] { guestsOfHub[slot].insert(guest) }
            if grouping.hubs.isHub(identifiers.phone[index]), let slot = slotOfID[identifiers.phone[index]] { guestsOfHub[slot].insert(guest) }
        }
        return hubs.enumerated().map { slot, hub in
            let largest = guestsOfHub[slot].min { a, b in
                let sizeA = grouping.guests[a].payments.count, sizeB = grouping.guests[b].payments.count
                return sizeA != sizeB ? sizeA > sizeB : guestIDsByGroup[a] < guestIDsByGroup[b]
            }
            return HubReport(hub: hub, identifier: identifiers.table[hub.identifier], guests: guestsOfHub[slot].count,
                             largestGuestID: largest.map { guestIDsByGroup[$0] } ?? "",
                             largestGuestPayments: largest.map { grouping.guests[$0].payments.count } ?? 0)
        }
    }
}

/// `hubs.csv` and `guest_links.csv`: what the `linked` policy refused to join through, and the
/// evidence for every join it made.
public enum LinkReports {
    static let hubsHeader = ["identifier_type", "identifier", "distinct_cards", "distinct_emails", "distinct_phones", "payments",
                             "first_use", "last_use", "guests", "largest_guest_id", "largest_guest_payments"]
    static let linksHeader = ["guest_id", "payment_id", "via", "identifier", "earlier_payment_id"]

    /// One row per hub, in identifier order, written under every policy.
    static func writeHubs(_ hubs: [HubReport], privacy: PrivacyFormatter, to directory: String, compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "hubs", header: hubsHeader, compression: compression)
        for report in hubs {
            let hub = report.hub
            try file.write([report.identifier.kind.rawValue, shown(report.identifier, privacy), String(hub.distinctCards),
                            String(hub.distinctEmails), String(hub.distinctPhones), String(hub.payments), UTCTime.format(hub.firstUse),
                            UTCTime.format(hub.lastUse), String(report.guests), report.largestGuestID, String(report.largestGuestPayments)])
        }
        try file.close()
    }

    /// One row per join of the `linked` policy, by guest id, then in payment order: the payment,
    /// the identifier both carried, and the earlier payment it joined.
    static func writeLinks(_ input: GuestReportInput, guestIDsByGroup: [String], to directory: String, compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "guest_links", header: linksHeader, compression: compression)
        let grouping = input.grouping
        let ledger = input.ledger
        var linksOfGroup = [[Int]](repeating: [], count: grouping.guests.count)
        for (position, link) in grouping.links.enumerated() {
            guard case .guest(let guest, _) = grouping.roles[link.payment] else { continue }
            linksOfGroup[guest].append(position)
        }
        let groupsByID = linksOfGroup.indices.filter { !linksOfGroup[$0].isEmpty }.sorted { guestIDsByGroup[$0] < guestIDsByGroup[$1] }
        for group in groupsByID {
            for position in linksOfGroup[group] {
                let link = grouping.links[position]
                let identifier = grouping.identifiers.table[link.via]
                try file.write([guestIDsByGroup[group], ledger.key(link.payment), identifier.kind.rawValue, shown(identifier, input.privacy),
                                ledger.key(link.earlier)])
            }
        }
        try file.close()
    }

    /// An identifier's value as the privacy setting shows it.
    public static func shown(_ identifier: Identifier, _ privacy: PrivacyFormatter) -> String {
        switch identifier.kind {
        case .card: return privacy.other(identifier.value)
        case .email: return privacy.email(identifier.value)
        case .phone: return privacy.phone(identifier.value)
        }
    }
}

extension HubReport {
    /// One sentence for people: what the hub is shared by, how far it swells a guest under
    /// `policy`, and what to do about it. `shown` is the identifier as the privacy setting shows it.
    public func advice(policy: GroupingPolicy, shown: String) -> String {
        var shared: [String] = []
        if hub.distinctCards > 1 { shared.append("\(hub.distinctCards) cards") }
        if identifier.kind == .email && hub.distinctPhones > 1 { shared.append("\(hub.distinctPhones) phones") }
        if identifier.kind == .phone && hub.distinctEmails > 1 { shared.append("\(hub.distinctEmails) emails") }
        let what = "\(identifier.kind.rawValue) \(shown) is shared by \(shared.joined(separator: " and ")) over \(hub.payments) payments"
        let effect: String
        switch policy {
        case .linked:
            effect = "the linked policy does not join through it"
        case .card, .dashboard:
            effect = largestGuestPayments > 1
                ? "under \(policy.rawValue) its largest guest, \(largestGuestID), has \(largestGuestPayments) payments"
                : "under \(policy.rawValue) it reaches \(guests) guests"
        }
        let fix = policy == .linked
            ? "if it is your shop's own \(identifier.kind.rawValue), list it with --placeholder so it is not counted as a buyer's"
            : "if it is your shop's own \(identifier.kind.rawValue), list it with --placeholder; or use --policy linked, which does not join through hubs"
        return what + "; " + effect + ". " + fix.prefix(1).uppercased() + fix.dropFirst() + "."
    }
}
