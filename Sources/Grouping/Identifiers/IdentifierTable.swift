/// The distinct normalised identifiers of a run, by id: the cards, then the emails, then the
/// phones, each kind in the pool-id order of the raw values that gave them.
public struct IdentifierTable: Sendable {
    public private(set) var identifiers: [Identifier] = []
    /// The first id of each kind, by `IdentifierKind.rank`.
    private var firstIDs: [Int32] = [0, 0, 0]

    init() {}

    /// The kinds' numberings laid end to end, in `IdentifierKind` order.
    init(concatenating kinds: [IdentifierNumbering]) {
        var first = 0
        for (rank, kind) in kinds.enumerated() {
            firstIDs[rank] = Int32(first)
            first += kind.identifiers.count
        }
        identifiers = kinds.flatMap(\.identifiers)
    }

    public subscript(id: IdentifierID) -> Identifier { identifiers[id.index] }

    /// The first id of `kind`: a kind's own numbering moves up by this much.
    @inline(__always)
    func firstID(of kind: IdentifierKind) -> Int32 { firstIDs[kind.rank] }

    /// The kind of identifier `id`, from the kind ranges (no look-up of the identifier itself).
    @inline(__always)
    public func kind(of id: IdentifierID) -> IdentifierKind {
        id.rawValue < firstIDs[1] ? .card : id.rawValue < firstIDs[2] ? .email : .phone
    }
}

/// Gives each distinct normalised value of one kind an id, in the order the values are first
/// asked for; the values are compared as bytes in a pool, with no `type:value` string and no
/// SipHash per look-up.
struct IdentifierNumbering {
    private(set) var identifiers: [Identifier] = []
    private let values = StringPool()

    /// The id of `identifier` within its kind.
    mutating func id(for identifier: Identifier) -> IdentifierID {
        let value = Int(values.intern(identifier.value))
        if value == 0 { return .absent }  // the empty value identifies nobody
        if value > identifiers.count { identifiers.append(identifier) }  // pool ids are dense: a new value
        return IdentifierID(index: value - 1)
    }
}

/// Each payment's usable identifiers, as ids into `table` (`.absent`: none of that kind),
/// indexed like the ledger.
public struct PaymentIdentifiers: Sendable {
    public var table: IdentifierTable
    public var card: [IdentifierID]
    public var email: [IdentifierID]
    public var phone: [IdentifierID]

    init(table: IdentifierTable, card: [IdentifierID], email: [IdentifierID], phone: [IdentifierID]) {
        self.table = table
        self.card = card
        self.email = email
        self.phone = phone
    }

    /// The id of payment `index`'s identifier of `kind`.
    @inline(__always)
    public func id(of kind: IdentifierKind, _ index: Int) -> IdentifierID {
        switch kind {
        case .card: return card[index]
        case .email: return email[index]
        case .phone: return phone[index]
        }
    }

    /// Card, email, phone ids of payment `index` that exist, in that order.
    @inline(__always)
    public func ids(_ index: Int) -> [IdentifierID] {
        [card[index], email[index], phone[index]].filter(\.isIdentifier)
    }

    /// The first identifier id of payment `index` in card, email, phone order (`.absent`: none).
    @inline(__always)
    public func first(_ index: Int) -> IdentifierID {
        card[index].isIdentifier ? card[index] : email[index].isIdentifier ? email[index] : phone[index]
    }

    /// The identifiers of payment `index`, card first.
    public func of(_ index: Int) -> [Identifier] { ids(index).map { table[$0] } }
}
