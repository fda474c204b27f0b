/// `card` (Stripe's Checkout documentation): a payment's guest key is the first it has of card,
/// email, phone; payments with the same key are one guest, anchored at that key.
struct CardRule: GroupingRule {
    var fingerprint: String { GroupingPolicy.card.rawValue }

    /// In `guestOfKey`: no guest has this key yet.
    private static let noGuest: Int32 = -1

    func makeGuests(from payments: GuestPayments, into guests: inout GuestAssignments) {
        let identifiers = payments.identifiers
        let table = identifiers.table
        var guestOfKey = [Int32](repeating: CardRule.noGuest, count: table.identifiers.count)
        for index in payments.order {
            let key = identifiers.first(index)  // card, else email, else phone
            var guest = Int(guestOfKey[key.index])
            if guest == CardRule.noGuest {
                guest = guests.startGuest(anchor: table[key])
                guestOfKey[key.index] = Int32(guest)
            }
            guests.add(index, to: guest, matchedBy: table.kind(of: key))
        }
    }
}
