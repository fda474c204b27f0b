/// The kinds of identifier a guest payment can be grouped by, in the contract's preference order.
public enum IdentifierKind: String, Sendable, CaseIterable, Comparable {
    case card, email, phone

    var rank: Int {
        switch self {
        case .card: return 0
        case .email: return 1
        case .phone: return 2
        }
    }

    public static func < (lhs: IdentifierKind, rhs: IdentifierKind) -> Bool { lhs.rank < rhs.rank }
}

/// A normalised identifier, written `type:value` (`card:…`, `email:…`, `phone:+1…`): the form
/// used for anchors and guest ids.
public struct Identifier: Hashable, Sendable, Comparable {
    public let kind: IdentifierKind
    public let value: String

    public init(kind: IdentifierKind, value: String) {
        self.kind = kind
        self.value = value
    }

    public var text: String { kind.rawValue + ":" + value }

    /// Orders by the `type:value` text in byte order (the contract's "smallest").
    public static func < (lhs: Identifier, rhs: Identifier) -> Bool {
        Array(lhs.text.utf8).lexicographicallyPrecedes(Array(rhs.text.utf8))
    }
}

/// What normalising a raw value gave.
public enum NormalizedValue: Sendable, Equatable {
    case identifier(Identifier)
    /// The column was empty.
    case empty
    /// A placeholder that identifies nobody (`test@example.com`, `000-000-0000`, `n/a`, …).
    case placeholder
    /// A phone number libphonenumber cannot parse, or not even a possible number.
    case invalid
}
