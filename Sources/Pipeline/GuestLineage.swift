import Foundation
import Reports

/// Where this run's guests came from: each current guest payment is looked up in the previous
/// run's `MembershipSnapshot`. For each previous guest P, S(P) = the current guests holding its
/// surviving payments; for each current guest C, T(C) = the previous guests its payments came
/// from. Guests are indices: previous ones into the snapshot's ids, current ones into this
/// run's guests in guest-id order.
struct GuestLineage {
    let previousIDs: [String]
    /// T(C): the previous guests of current guest c are `sources[sourceStarts[c]..<sourceStarts[c + 1]]`, ascending.
    private let sourceStarts: [Int]
    private let sources: [Int32]
    /// S(P): the current guests of previous guest p are `successors[successorStarts[p]..<successorStarts[p + 1]]`, ascending.
    private let successorStarts: [Int]
    private let successors: [Int32]
    /// Per current guest: its payments that are disputes now and were not in the previous run
    /// (a new payment, or one whose dispute came since).
    let newDisputes: [Int]

    init(previous: MembershipSnapshot, current: MembershipSnapshot) {
        previousIDs = previous.guestIDs
        let before = PreviousPayments(previous)
        var sourceStarts = [0], sources: [Int32] = [], newDisputes = [Int](repeating: 0, count: current.guestCount)
        sourceStarts.reserveCapacity(current.guestCount + 1)
        var found: [Int32] = []
        for guest in 0..<current.guestCount {
            found.removeAll(keepingCapacity: true)
            for payment in current.starts[guest]..<current.starts[guest + 1] {
                let earlier = before.find(current.hashes[payment])
                if let earlier { found.append(earlier >> 1) }
                if current.isDisputed(payment) && (earlier ?? 0) & 1 == 0 { newDisputes[guest] += 1 }
            }
            // Most guests come from one previous guest: sort only when there are several.
            if found.contains(where: { $0 != found[0] }) { found.sort() }
            for source in found where sources.count == sourceStarts[guest] || sources.last != source { sources.append(source) }
            sourceStarts.append(sources.count)
        }
        // S from T: count the current guests of each previous guest, then place them in order.
        var successorStarts = [Int](repeating: 0, count: previous.guestCount + 1)
        for source in sources { successorStarts[Int(source) + 1] += 1 }
        for guest in 0..<previous.guestCount { successorStarts[guest + 1] += successorStarts[guest] }
        var next = successorStarts
        var successors = [Int32](repeating: 0, count: sources.count)
        for guest in 0..<current.guestCount {
            for source in sources[sourceStarts[guest]..<sourceStarts[guest + 1]] {
                successors[next[Int(source)]] = Int32(guest)
                next[Int(source)] += 1
            }
        }
        self.sourceStarts = sourceStarts
        self.sources = sources
        self.successorStarts = successorStarts
        self.successors = successors
        self.newDisputes = newDisputes
    }

    /// T(C) of current guest `guest`, as previous guest indices.
    func sources(of guest: Int) -> ArraySlice<Int32> { sources[sourceStarts[guest]..<sourceStarts[guest + 1]] }

    /// S(P) of previous guest `guest`, as current guest indices.
    func successors(of guest: Int) -> ArraySlice<Int32> { successors[successorStarts[guest]..<successorStarts[guest + 1]] }

    /// Every id change: (P → C) for each C in S(P) with another id; `split` when S(P) has
    /// several guests, else `merged` when T(C) has several, else `re-anchored`. In (old id, new
    /// id) byte order, without first payments.
    func changes(currentIDs: [String]) -> [IDChange] {
        var changes: [IDChange] = []
        for previous in previousIDs.indices {
            let held = successors(of: previous)
            for current in held where currentIDs[Int(current)] != previousIDs[previous] {
                let kind: IDChangeKind = held.count >= 2 ? .split : sources(of: Int(current)).count >= 2 ? .merged : .reanchored
                changes.append(IDChange(old: previousIDs[previous], new: currentIDs[Int(current)], kind: kind, firstPayment: nil))
            }
        }
        return changes.sorted(by: IDChange.byteOrder)
    }
}

/// The previous run's payments by key hash: guest index << 1 | was a dispute. Open addressing
/// over the hashes themselves (already well mixed), at most half full: a Swift `Dictionary`
/// hashed every key again and took several times as long at a million payments. A hash seen
/// twice keeps its first payment.
private struct PreviousPayments {
    private var keys: [UInt64]
    /// -1: a free slot.
    private var values: [Int32]
    private let mask: Int

    init(_ snapshot: MembershipSnapshot) {
        var size = 16
        while size < snapshot.paymentCount * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
        for guest in 0..<snapshot.guestCount {
            for payment in snapshot.starts[guest]..<snapshot.starts[guest + 1] {
                let hash = snapshot.hashes[payment]
                var slot = Int(truncatingIfNeeded: hash) & mask
                while values[slot] >= 0 && keys[slot] != hash { slot = (slot + 1) & mask }
                if values[slot] < 0 {
                    keys[slot] = hash
                    values[slot] = Int32(guest) << 1 | (snapshot.isDisputed(payment) ? 1 : 0)
                }
            }
        }
    }

    func find(_ hash: UInt64) -> Int32? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while values[slot] >= 0 {
            if keys[slot] == hash { return values[slot] }
            slot = (slot + 1) & mask
        }
        return nil
    }
}

/// One guest id that a run replaced: the old id, the guest that now holds (some of) its
/// payments, the kind of change, and the old guest's first payment key (what look-ups follow).
public struct IDChange: Equatable, Sendable {
    public var old: String
    public var new: String
    public var kind: IDChangeKind
    public var firstPayment: String?

    public init(old: String, new: String, kind: IDChangeKind, firstPayment: String?) {
        self.old = old
        self.new = new
        self.kind = kind
        self.firstPayment = firstPayment
    }

    /// (old id, new id) in byte order (guest ids are ASCII: String order is byte order).
    static func byteOrder(_ a: IDChange, _ b: IDChange) -> Bool { (a.old, a.new) < (b.old, b.new) }
}
