/// `dashboard` (Stripe's support answer on how the Dashboard groups guests): one matching
/// identifier is enough. In (created, payment id) order, a payment joins the guest whose use of
/// one of its identifiers came last (on equal uses: card, then email, then phone), through
/// that identifier; a payment none of whose identifiers was used yet starts a guest, anchored
/// at its smallest identifier. Then all its identifiers count as used by its guest, there. Not
/// transitive.
struct DashboardRule: GroupingRule {
    var fingerprint: String { GroupingPolicy.dashboard.rawValue }

    /// In `lastUse`: no payment has used this identifier yet.
    private static let unused: Int32 = -1

    func makeGuests(from payments: GuestPayments, into guests: inout GuestAssignments) {
        let identifiers = payments.identifiers
        let table = identifiers.table
        let kinds = IdentifierKind.allCases
        // Per identifier id: the position in `order` of its last use, and the guest that used it.
        var lastUse = [Int32](repeating: DashboardRule.unused, count: table.identifiers.count)
        var lastGuest = [Int32](repeating: 0, count: table.identifiers.count)
        for (position, index) in payments.order.enumerated() {
            var matched = IdentifierID.absent
            for kind in kinds {  // card, email, phone: on equal last uses the earlier kind wins
                let id = identifiers.id(of: kind, index)
                guard id.isIdentifier, lastUse[id.index] != DashboardRule.unused else { continue }
                if !matched.isIdentifier || lastUse[id.index] > lastUse[matched.index] { matched = id }
            }
            let guest: Int
            if matched.isIdentifier {
                guest = Int(lastGuest[matched.index])
                guests.add(index, to: guest, matchedBy: table.kind(of: matched))
            } else {
                guest = guests.startGuest(anchor: identifiers.of(index).min()!)
                guests.add(index, to: guest, matchedBy: table.kind(of: identifiers.first(index)))
            }
            for kind in kinds {
                let id = identifiers.id(of: kind, index)
                guard id.isIdentifier else { continue }
                lastUse[id.index] = Int32(position)
                lastGuest[id.index] = Int32(guest)
            }
        }
    }
}
