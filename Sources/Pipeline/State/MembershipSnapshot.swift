import Codecs
import Foundation
import GuestPipeCore
import Grouping

/// Which guest each guest payment belonged to at the end of a run, and whether it was a
/// dispute: what the next run needs to tell a merge from a split (`GuestLineage`). The state
/// keeps the last committed run's snapshot (`StateStore`), zstd-compressed, with a SHA-256 of
/// the stored bytes beside it.
///
/// Payments are known by a 64-bit hash of their key (`hash`), not by the key: 8 bytes instead
/// of ~28 per payment. Two different keys with one hash make the later run take one payment for
/// the other. With n payments in the snapshot and m in the run, the chance that any pair
/// collides is about n·m / 2⁶⁴: 5·10⁻⁸ at one million each, 5·10⁻⁶ at ten million. A collision
/// can only mislabel an id change's kind or a dispute as new; grouping and ids never read it.
///
/// Format 1, after decompression; every integer is an unsigned 64-bit little-endian value:
///
///     "GPMEMBER"  version (1)
///     G  then G × (length, id bytes)          guest ids, in the order their payments follow
///     N  then G × (payments of that guest)    N = all payments
///     N × key hash                            guest by guest, in each guest's payment order
///     ⌈N/8⌉ bytes                             bit i (least significant first): payment i was a dispute
struct MembershipSnapshot: Equatable {
    static let magic = Array("GPMEMBER".utf8)
    static let version: UInt64 = 1

    /// Guest ids, in guest-id byte order.
    private(set) var guestIDs: [String] = []
    /// Guest g holds `hashes[starts[g]..<starts[g + 1]]`; one more element than `guestIDs`.
    private(set) var starts: [Int] = [0]
    /// The key hash of every guest payment, guest by guest.
    private(set) var hashes: [UInt64] = []
    /// One bit per payment, in `hashes` order: a dispute at that run.
    private(set) var disputed: [UInt8] = []

    /// The key hash the snapshot uses: 64-bit FNV-1a over the key's bytes, finished with
    /// MurmurHash3's 64-bit mix so every input bit reaches every output bit. Part of the format:
    /// another hash needs another version.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 33)
    }

    /// The membership of a run's guests (in the order given, guest-id byte order). Keys are
    /// hashed in ledger order, on both cores, and then gathered guest by guest: walking the
    /// ledger in guest order cost a cache miss on an entry and one on its key per payment.
    init(guests: [GuestSummary], ledger: PaymentLedger) {
        let count = ledger.entries.count
        let hashOf = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: count)
        let disputeOf = UnsafeMutableBufferPointer<Bool>.allocate(capacity: count)
        defer {
            hashOf.deallocate()
            disputeOf.deallocate()
        }
        ledger.keys.withUnsafeBufferPointer { keys in
            ledger.entries.withUnsafeBufferPointer { entries in
                // Each part writes its own half of both buffers.
                ParallelWork.perform(2) { part in
                    for index in (part == 0 ? 0..<count / 2 : count / 2..<count) {
                        let entry = entries[index]
                        hashOf[index] = MembershipSnapshot.hash(UnsafeBufferPointer(rebasing: keys[Int(entry.keyOffset)..<Int(entry.keyOffset) + Int(entry.keyLength)]))
                        disputeOf[index] = ledger.disputeKind(entry) > 0
                    }
                }
            }
        }
        let total = guests.reduce(0) { $0 + $1.payments.count }
        var starts = [0], hashes = [UInt64](), disputed = [UInt8](repeating: 0, count: (total + 7) / 8)
        starts.reserveCapacity(guests.count + 1)
        hashes.reserveCapacity(total)
        for guest in guests.indices {
            for index in guests[guest].payments {
                if disputeOf[index] { disputed[hashes.count >> 3] |= 1 << UInt8(hashes.count & 7) }
                hashes.append(hashOf[index])
            }
            starts.append(hashes.count)
        }
        guestIDs = guests.map(\.id)
        self.starts = starts
        self.hashes = hashes
        self.disputed = disputed
    }

    var guestCount: Int { guestIDs.count }
    var paymentCount: Int { hashes.count }

    func isDisputed(_ payment: Int) -> Bool { disputed[payment >> 3] & (1 << UInt8(payment & 7)) != 0 }

    /// The bytes the state stores: format 1, zstd-compressed.
    func encoded() throws -> [UInt8] {
        var out = ByteWriter()
        out.data.reserveCapacity(32 + guestIDs.count * 48 + hashes.count * 8 + disputed.count)
        out.bytes(MembershipSnapshot.magic)
        out.u64(MembershipSnapshot.version)
        out.u64(UInt64(guestIDs.count))
        for id in guestIDs { out.string(id) }
        out.u64(UInt64(hashes.count))
        for guest in 0..<guestIDs.count { out.u64(UInt64(starts[guest + 1] - starts[guest])) }
        for hash in hashes { out.u64(hash) }
        out.bytes(disputed)
        return try ZstdBuffer.compress(out.data, level: 1)
    }

    /// Why stored bytes could not be used (the run then finds id changes without them).
    struct Unreadable: Error {
        let reason: String
    }

    /// Reads what `encoded()` wrote, checking every count and the end.
    init(decoding compressed: [UInt8]) throws {
        let bytes: [UInt8]
        do {
            bytes = try ZstdBuffer.decompress(compressed, name: "state.sqlite")
        } catch {
            throw Unreadable(reason: "not valid zstd")
        }
        var reader = ByteReader(bytes: bytes, name: "state.sqlite")
        do {
            guard try reader.bytes(MembershipSnapshot.magic.count) == MembershipSnapshot.magic else { throw Unreadable(reason: "unknown format") }
            let version = try reader.u64()
            guard version == MembershipSnapshot.version else { throw Unreadable(reason: "format \(version), written by another guestpipe version") }
            let guests = try reader.u64()
            guard guests <= UInt64(reader.remaining / 8) else { throw Unreadable(reason: "guest count") }
            guestIDs.reserveCapacity(Int(guests))
            for _ in 0..<guests { guestIDs.append(try reader.string()) }
            let payments = try reader.u64()
            guard payments <= UInt64(reader.remaining / 8) else { throw Unreadable(reason: "payment count") }
            starts.reserveCapacity(Int(guests) + 1)
            var end = 0
            for _ in 0..<guests {
                let count = try reader.u64()
                guard count <= payments - UInt64(end) else { throw Unreadable(reason: "payments per guest") }
                end += Int(count)
                starts.append(end)
            }
            guard end == Int(payments) else { throw Unreadable(reason: "payments per guest") }
            guard reader.remaining == Int(payments) * 8 + (Int(payments) + 7) / 8 else { throw Unreadable(reason: "length") }
            hashes.reserveCapacity(Int(payments))
            for _ in 0..<payments { hashes.append(try reader.u64()) }
            disputed = try reader.bytes((Int(payments) + 7) / 8)
        } catch let error as Unreadable {
            throw error
        } catch {
            throw Unreadable(reason: "truncated")
        }
    }
}
