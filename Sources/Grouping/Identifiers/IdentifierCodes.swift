import Foundation
import GuestPipeCore

/// What each raw card, email and phone value of the ledger gives grouping: per kind and pool
/// id, an identifier id in `table`, or the reason it gives none.
///
/// Each distinct raw value of a guest payment is normalised once, up front and on all cores
/// (phones are the costly ones: libphonenumber's regular expressions); phone spellings that
/// differ only in punctuation (`(415) 555-0100`, `415.555.0100`) are parsed once. Identifier
/// ids are then given per kind, each kind on its own core, in pool-id order, and the kinds are
/// laid end to end (cards, emails, phones), so ids do not depend on which payment comes first.
struct IdentifierCodes {
    let table: IdentifierTable
    /// By kind rank, by pool id: ids within the kind (moved up by the kind's first id when read).
    private let codes: [[IdentifierID]]

    /// Codes for the values of the payments `isCandidate` accepts; other values are `.absent`.
    init(ledger: PaymentLedger, normalizer: IdentifierNormalizer, isCandidate: (LedgerEntry) -> Bool) {
        let normalized = IdentifierCodes.normalizedValues(ledger: ledger, normalizer: normalizer, isCandidate: isCandidate)
        var kinds = [(numbering: IdentifierNumbering, codes: [IdentifierID])?](repeating: nil, count: normalized.count)
        kinds.withUnsafeMutableBufferPointer { kinds in
            ParallelWork.perform(kinds.count) { rank in
                var numbering = IdentifierNumbering()
                let codes = normalized[rank].map { value -> IdentifierID in
                    switch value {
                    case nil, .empty: return .absent
                    case .placeholder: return .placeholder
                    case .invalid: return .invalid
                    case .identifier(let identifier): return numbering.id(for: identifier)
                    }
                }
                kinds[rank] = (numbering, codes)
            }
        }
        table = IdentifierTable(concatenating: kinds.map { $0!.numbering })
        codes = kinds.map { $0!.codes }
    }

    /// What the raw value at `poolID` gives as an identifier of `kind`.
    @inline(__always)
    func code(_ kind: IdentifierKind, poolID: UInt32) -> IdentifierID {
        if poolID == 0 { return .absent }
        return codes[kind.rank][Int(poolID)].offset(by: table.firstID(of: kind))
    }

    /// Per kind (by rank), per pool id: the normalised value, nil where no candidate payment
    /// uses that pool id for that kind.
    private static func normalizedValues(ledger: PaymentLedger, normalizer: IdentifierNormalizer,
                                         isCandidate: (LedgerEntry) -> Bool) -> [[NormalizedValue?]] {
        let pool = ledger.pool
        let kinds = IdentifierKind.allCases
        var needed = [[Bool]](repeating: [Bool](repeating: false, count: pool.count), count: kinds.count)
        for entry in ledger.entries where isCandidate(entry) {
            for kind in kinds { needed[kind.rank][Int(entry.poolID(of: kind))] = true }
        }
        var prepared = [[NormalizedValue?]](repeating: [NormalizedValue?](repeating: nil, count: pool.count), count: kinds.count)
        for kind in [IdentifierKind.card, .email] {
            let poolIDs = needed[kind.rank].indices.filter { $0 != 0 && needed[kind.rank][$0] }
            let values = normalizeInParallel(poolIDs, as: kind, pool: pool, normalizer: normalizer)
            for (poolID, value) in zip(poolIDs, values) { prepared[kind.rank][poolID] = value }
        }
        // Phones once per shape: the value of a shape's first pool id goes to all of them.
        let shapes = phoneShapes(needed[IdentifierKind.phone.rank], pool: pool)
        let values = normalizeInParallel(shapes.map { $0[0] }, as: .phone, pool: pool, normalizer: normalizer)
        for (shape, value) in zip(shapes, values) {
            for poolID in shape { prepared[IdentifierKind.phone.rank][poolID] = value }
        }
        return prepared
    }

    /// The needed phone pool ids grouped by shape (`IdentifierNormalizer.phoneShape`), each
    /// group in pool-id order, the groups in the order of their first pool id. Shapes are
    /// interned as bytes, so each phone costs a pass over its bytes and one look-up.
    private static func phoneShapes(_ needed: [Bool], pool: StringPool) -> [[Int]] {
        let shapePool = StringPool()
        var shapeOf = [UInt32](repeating: 0, count: pool.count)
        var shape: [UInt8] = []
        for poolID in 1..<needed.count where needed[poolID] {
            pool.withBytes(UInt32(poolID)) { IdentifierNormalizer.phoneShape($0, into: &shape) }
            shapeOf[poolID] = shape.withUnsafeBufferPointer { shapePool.intern(bytes: $0) }
        }
        var shapes = [[Int]](repeating: [], count: shapePool.count)
        for poolID in 1..<needed.count where needed[poolID] { shapes[Int(shapeOf[poolID])].append(poolID) }
        shapes.removeAll { $0.isEmpty }
        return shapes
    }

    /// The normalised value of each raw value in `poolIDs`, in slices on all cores.
    private static func normalizeInParallel(_ poolIDs: [Int], as kind: IdentifierKind, pool: StringPool,
                                            normalizer: IdentifierNormalizer) -> [NormalizedValue?] {
        var values = [NormalizedValue?](repeating: nil, count: poolIDs.count)
        values.withUnsafeMutableBufferPointer { values in
            let slices = max(1, min(16, poolIDs.count / 2048))
            ParallelWork.perform(slices) { slice in
                for position in poolIDs.count * slice / slices..<poolIDs.count * (slice + 1) / slices {
                    let raw = pool[UInt32(poolIDs[position])]
                    switch kind {
                    case .card: values[position] = normalizer.card(raw)
                    case .email: values[position] = normalizer.email(raw)
                    case .phone: values[position] = normalizer.phone(raw)
                    }
                }
            }
        }
        return values
    }
}

extension LedgerEntry {
    /// The pool id of the entry's raw value of `kind` (0: empty).
    @inline(__always)
    public func poolID(of kind: IdentifierKind) -> UInt32 {
        switch kind {
        case .card: return card
        case .email: return email
        case .phone: return phone
        }
    }
}
