/// What grouping knows of one card, email or phone value: the id of a normalised identifier
/// (an index into the run's `IdentifierTable`), or why there is none. One `Int32` inside, so
/// a column of them costs what a column of `Int32` costs.
public struct IdentifierID: Hashable, Sendable {
    /// 0 or more: an identifier; below 0: one of the reasons below.
    public let rawValue: Int32

    @inline(__always)
    init(rawValue: Int32) { self.rawValue = rawValue }

    /// The identifier at `index` of the table.
    @inline(__always)
    init(index: Int) { rawValue = Int32(index) }

    /// No usable identifier: the column was empty, or the payment is not a guest payment (in
    /// `PaymentIdentifiers`, also a placeholder or invalid value).
    public static let absent = IdentifierID(rawValue: -1)
    /// A placeholder that identifies nobody (`test@example.com`, `000-000-0000`, `n/a`, …).
    public static let placeholder = IdentifierID(rawValue: -2)
    /// A phone number libphonenumber cannot parse, or not even a possible number.
    public static let invalid = IdentifierID(rawValue: -3)

    /// An identifier, not one of the reasons for having none.
    @inline(__always)
    public var isIdentifier: Bool { rawValue >= 0 }

    /// The position in the identifier table (only for `isIdentifier`).
    @inline(__always)
    public var index: Int { Int(rawValue) }

    /// The same identifier in a table where its kind's ids start at `first` (a reason stays).
    @inline(__always)
    func offset(by first: Int32) -> IdentifierID {
        isIdentifier ? IdentifierID(rawValue: rawValue + first) : self
    }
}
