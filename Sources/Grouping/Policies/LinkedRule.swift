/// `linked` (GUESTS.md): the identifiers of one payment are joined, and a guest is a connected
/// component of the card–email–phone graph. Placeholders never link (the prelude gives them no
/// id), and neither do hubs: a payment joins others only through its own cards, emails and
/// phones that are not hubs. A payment whose every identifier is a hub joins only the payments
/// that have nothing but that same hub (its first, card–email–phone), so it is never left
/// without a guest and never fuses strangers who also had a card.
///
/// Payments are taken in (created, payment id) order. Each joins the earliest payment that used
/// one of its identifiers (card, then email, then phone); every join between two parts not yet
/// joined is recorded as a `GuestLink`, so a guest's links form a tree over its payments. The
/// anchor is the smallest linking identifier of the guest's first payment (a hub could be the
/// anchor of several guests, so it anchors only its own hub-only guest).
struct LinkedRule: GroupingRule {
    let limits: HubLimits

    var fingerprint: String { GroupingPolicy.linked.rawValue + limits.fingerprint }

    func makeGuests(from payments: GuestPayments, into guests: inout GuestAssignments) {
        let identifiers = payments.identifiers
        let table = identifiers.table
        let hubs = payments.hubs
        let order = payments.order
        // Union–find over positions in `order`; a set's root is its earliest position.
        var parent = [Int32](unsafeUninitializedCapacity: order.count) { buffer, count in
            for position in 0..<order.count { buffer[position] = Int32(position) }
            count = order.count
        }
        func root(_ position: Int32) -> Int32 {
            var position = position
            while parent[Int(position)] != position {
                let grandparent = parent[Int(parent[Int(position)])]
                parent[Int(position)] = grandparent
                position = grandparent
            }
            return position
        }
        // Per identifier id: the position of the first payment that linked through it.
        var firstUse = [Int32](repeating: -1, count: table.identifiers.count)
        // Per position: the identifier kind it matched through, and the identifier it anchors on
        // (its first linking identifier: `card:` < `email:` < `phone:`, so the first is the smallest).
        var matched = [IdentifierKind](repeating: .card, count: order.count)
        var anchors = [IdentifierID](repeating: .absent, count: order.count)
        var links: [(position: Int32, via: IdentifierID, earlier: Int32)] = []
        for position in 0..<order.count {
            let index = order[position]
            var linking = (card: identifiers.card[index], email: identifiers.email[index], phone: identifiers.phone[index])
            if hubs.isHub(linking.email) { linking.email = .absent }
            if hubs.isHub(linking.phone) { linking.phone = .absent }
            if !linking.card.isIdentifier && !linking.email.isIdentifier && !linking.phone.isIdentifier {
                linking.card = identifiers.first(index)  // only hubs: joins the payments with only this hub
            }
            var matchedKind: IdentifierKind?
            var smallest = IdentifierID.absent
            func link(_ id: IdentifierID) {
                guard id.isIdentifier else { return }
                if !smallest.isIdentifier { smallest = id }
                let earlier = firstUse[id.index]
                if earlier < 0 {
                    firstUse[id.index] = Int32(position)
                    return
                }
                if matchedKind == nil { matchedKind = table.kind(of: id) }
                let mine = root(Int32(position)), theirs = root(earlier)
                guard mine != theirs else { return }
                parent[Int(max(mine, theirs))] = min(mine, theirs)
                links.append((Int32(position), id, earlier))
            }
            link(linking.card)
            link(linking.email)
            link(linking.phone)
            matched[position] = matchedKind ?? table.kind(of: smallest)
            anchors[position] = smallest
        }
        var guestOfRoot = [Int32](repeating: -1, count: order.count)
        for position in 0..<order.count {
            let top = Int(root(Int32(position)))
            if top == position { guestOfRoot[position] = Int32(guests.startGuest(anchor: table[anchors[position]])) }
            guests.add(order[position], to: Int(guestOfRoot[top]), matchedBy: matched[position])
        }
        guests.links = links.map { GuestLink(payment: order[Int($0.position)], via: $0.via, earlier: order[Int($0.earlier)]) }
    }
}
