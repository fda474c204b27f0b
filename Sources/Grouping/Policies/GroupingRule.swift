/// How one grouping policy makes guests: the part of grouping after the shared prelude
/// (`GroupingPrelude`), which has classified every payment, normalised and numbered its
/// identifiers and put the guest payments in (created, payment id) order. One type per
/// `GroupingPolicy` case; `GroupingPolicy.rule(_:)` picks it.
protocol GroupingRule {
    /// The policy's name and its own settings, as they enter the state's grouping fingerprint
    /// (a state built under another fingerprint is regrouped only with `--rebuild`). A policy
    /// without settings gives its name.
    var fingerprint: String { get }

    /// Puts every payment of `payments.order` into one guest of `guests`.
    func makeGuests(from payments: GuestPayments, into guests: inout GuestAssignments)
}

/// What a rule groups: the guest payments, in order, with their identifiers.
struct GuestPayments {
    /// Guest payments (ledger indices) in (created, payment id) order, the id compared byte by
    /// byte: the order "first" and "most recently" refer to.
    let order: [Int]
    /// Each payment's identifier ids and the table they index.
    let identifiers: PaymentIdentifiers
    /// Emails and phones shared too widely to say who paid (reported under every policy;
    /// `linked` does not join through them).
    let hubs: IdentifierHubs

    var table: IdentifierTable { identifiers.table }
}

/// The guests a rule makes, and the role of every payment. Payments the prelude left to the
/// rule are `.unmatched` until the rule adds them to a guest.
struct GuestAssignments {
    private var anchors: [Identifier] = []
    /// Each `add`, in order: the payment and its guest (32 bits each: ledgers hold fewer than
    /// 2^31 payments). The guests' payment lists are made from them once, at the end: appending
    /// to one array per guest checked two arrays for sharing and regrew small arrays, payment by
    /// payment.
    private var addedPayments: [Int32] = []
    private var addedGuests: [Int32] = []
    private(set) var roles: [PaymentRole]
    /// Why payments are one guest, for rules that join through shared identifiers (`linked`).
    var links: [GuestLink] = []

    init(roles: [PaymentRole]) {
        self.roles = roles
    }

    /// Starts a guest with no payments yet; returns its index.
    @inline(__always)
    mutating func startGuest(anchor: Identifier) -> Int {
        anchors.append(anchor)
        return anchors.count - 1
    }

    /// Adds `payment` (a ledger index) to guest `guest`, matched through an identifier of `kind`.
    @inline(__always)
    mutating func add(_ payment: Int, to guest: Int, matchedBy kind: IdentifierKind) {
        addedPayments.append(Int32(payment))
        addedGuests.append(Int32(guest))
        roles[payment] = .guest(guest, kind)
    }

    /// The guests in the order they were started, each with its payments in the order they
    /// were added (a stable counting sort of the adds by guest).
    var guests: [GuestGroup] {
        var starts = [Int](repeating: 0, count: anchors.count + 1)
        for guest in addedGuests { starts[Int(guest) + 1] += 1 }
        for guest in anchors.indices { starts[guest + 1] += starts[guest] }
        var next = starts
        var sorted = [Int32](repeating: 0, count: addedPayments.count)
        for (payment, guest) in zip(addedPayments, addedGuests) {
            sorted[next[Int(guest)]] = payment
            next[Int(guest)] += 1
        }
        return anchors.indices.map { guest in
            GuestGroup(anchor: anchors[guest], payments: sorted[starts[guest]..<starts[guest + 1]].map(Int.init))
        }
    }
}
