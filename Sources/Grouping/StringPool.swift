import CPlatform

/// Interns byte strings to small integers: one copy of each distinct value (cards, emails,
/// names…). Id 0 is the empty string. Values live back to back in one byte arena, so a value
/// costs its bytes plus 16 bytes of bookkeeping, never a heap object of its own, and a lookup
/// of bytes read from a CSV field needs no `String` at all. The table is open addressing over
/// word-at-a-time hashes: much cheaper per lookup than `Dictionary<String, _>`'s seeded SipHash.
///
/// Interning is not thread-safe: each reading thread fills its own pool, merged into the
/// ledger's later. Reading a finished pool from many threads is safe; that is what the
/// @unchecked Sendable stands for.
public final class StringPool: @unchecked Sendable {
    /// The pool's fields, behind one pointer: a class's stored `var`s are checked for exclusive
    /// access at run time on every read and write (about a second of CPU per million payments
    /// across reading, merging and writing); fields reached through a pointer are not. The
    /// properties below forward to it, so the code reads as if they were stored.
    @usableFromInline
    struct Fields {
        @usableFromInline var arena: UnsafeMutablePointer<UInt8>
        var arenaCount = 0
        var arenaCapacity: Int
        @usableFromInline var ends: UnsafeMutablePointer<UInt32>
        var hashes: UnsafeMutablePointer<UInt64>
        @usableFromInline var valueCount = 1
        var valueCapacity: Int
        var slots: UnsafeMutablePointer<UInt64>
        var slotMask: Int
        var isFrozen = false
        /// Once `append` was used: the ids of the values `intern` added, the only ones the
        /// table holds. Appended values (cards, emails, phones and names: most of a reader
        /// batch's values) stay out of it, so the table of the few repeating columns stays
        /// small enough for the cache. Nil while every value is in the table (the ledger's pool).
        var interned: [UInt32]?
    }

    @usableFromInline let fields: UnsafeMutablePointer<Fields>

    @inlinable
    var arena: UnsafeMutablePointer<UInt8> {
        get { fields.pointee.arena }
        set { fields.pointee.arena = newValue }
    }
    private var arenaCount: Int {
        get { fields.pointee.arenaCount }
        set { fields.pointee.arenaCount = newValue }
    }
    private var arenaCapacity: Int {
        get { fields.pointee.arenaCapacity }
        set { fields.pointee.arenaCapacity = newValue }
    }
    /// End offset in the arena of each value (value `i` spans `ends[i-1]..<ends[i]`).
    @inlinable
    var ends: UnsafeMutablePointer<UInt32> {
        get { fields.pointee.ends }
        set { fields.pointee.ends = newValue }
    }
    /// Full hash per value: compared before the bytes, reused when the table grows, and handed
    /// to the pool a value is merged into.
    private var hashes: UnsafeMutablePointer<UInt64> {
        get { fields.pointee.hashes }
        set { fields.pointee.hashes = newValue }
    }
    @inlinable
    var valueCount: Int {
        get { fields.pointee.valueCount }
        set { fields.pointee.valueCount = newValue }
    }
    private var valueCapacity: Int {
        get { fields.pointee.valueCapacity }
        set { fields.pointee.valueCapacity = newValue }
    }
    /// Open-addressing table: 0 is a free slot, else the high 32 bits of the value's hash over
    /// (id + 1), so most probes that do not match are rejected without touching the value.
    private var slots: UnsafeMutablePointer<UInt64> {
        get { fields.pointee.slots }
        set { fields.pointee.slots = newValue }
    }
    private var slotMask: Int {
        get { fields.pointee.slotMask }
        set { fields.pointee.slotMask = newValue }
    }

    public init() {
        let arenaCapacity = 1 << 12, valueCapacity = 1 << 9, slotMask = (1 << 10) - 1
        fields = .allocate(capacity: 1)
        fields.initialize(to: Fields(arena: .allocate(capacity: arenaCapacity), arenaCapacity: arenaCapacity,
                                     ends: .allocate(capacity: valueCapacity), hashes: .allocate(capacity: valueCapacity),
                                     valueCapacity: valueCapacity, slots: .allocate(capacity: slotMask + 1), slotMask: slotMask))
        ends[0] = 0
        hashes[0] = 0
        slots.initialize(repeating: 0, count: slotMask + 1)
    }

    deinit {
        arena.deallocate()
        ends.deallocate()
        hashes.deallocate()
        slots.deallocate()
        fields.deinitialize(count: 1)
        fields.deallocate()
    }

    /// Number of values, the empty string included.
    public var count: Int { valueCount }

    /// Bytes of all values together.
    public var byteCount: Int { arenaCount }

    /// Makes room for `values` more values of `bytes` bytes in all, so a pool filled to a
    /// known size is not copied each time it doubles.
    public func reserve(values: Int, bytes: Int) {
        precondition(!isFrozen, "adding to a frozen string pool")
        if arenaCount + bytes > arenaCapacity { resizeArena(to: min(arenaCount + bytes, Int(UInt32.max))) }
        if valueCount + values > valueCapacity { resizeValues(to: valueCount + values) }
    }

    @inline(__always)
    public func intern(_ value: String) -> UInt32 {
        if value.isEmpty { return 0 }
        var text = value
        return text.withUTF8 { intern(bytes: $0) }
    }

    /// Inlinable: the reader's batches (in Pipeline) call it for most text of every row.
    @inlinable @inline(__always)
    public func intern(bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        if bytes.isEmpty { return 0 }
        return intern(bytes: bytes, hash: StringPool.hash(bytes))
    }

    /// Interns bytes whose `StringPool.hash` is already known (merging one pool into another).
    public func intern(bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> UInt32 {
        if bytes.isEmpty { return 0 }
        precondition(!isFrozen, "interning into a frozen string pool")
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let stored = slots[slot]
            if stored == 0 { break }
            if stored & 0xFFFF_FFFF_0000_0000 == tag {
                let id = Int(stored & 0xFFFF_FFFF) - 1
                let start = Int(ends[id - 1]), length = Int(ends[id]) - start
                if length == bytes.count && memoryEqual(arena + start, bytes.baseAddress!, length) { return UInt32(id) }
            }
            slot = (slot + 1) & slotMask
        }
        let id = valueCount
        append(bytes, hash: hash)
        slots[slot] = tag | UInt64(id + 1)
        if fields.pointee.interned != nil { fields.pointee.interned!.append(UInt32(id)) }
        if (fields.pointee.interned?.count ?? valueCount) * 2 > slotMask + 1 { grow() }
        return UInt32(id)
    }

    /// Starts loading the table slot a value of `hash` is looked up in: called a few values
    /// ahead of `intern(bytes:hash:)` when the hashes are known (merging pools), so the cache
    /// misses of a large table overlap. A hint only; it changes nothing.
    @inline(__always)
    public func prefetch(hash: UInt64) {
        gp_prefetch(slots + (Int(truncatingIfNeeded: hash) & slotMask))
    }

    /// Drops the look-up table and the stored hashes once no more values will be added: the
    /// values stay readable, and the memory (16 bytes per value) goes back before the later
    /// stages need theirs. Interning into a frozen pool is a programming error.
    public func freeze() {
        guard !isFrozen else { return }
        isFrozen = true
        slots.deallocate()
        hashes.deallocate()
        fields.pointee.interned = nil
        slots = .allocate(capacity: 1)
        hashes = .allocate(capacity: 1)
        slotMask = 0
        if arenaCapacity > arenaCount {
            let exact = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, arenaCount))
            exact.update(from: arena, count: arenaCount)
            arena.deallocate()
            arena = exact
            arenaCapacity = max(1, arenaCount)
        }
        if valueCapacity > valueCount {
            let exact = UnsafeMutablePointer<UInt32>.allocate(capacity: valueCount)
            exact.update(from: ends, count: valueCount)
            ends.deallocate()
            ends = exact
            valueCapacity = valueCount
        }
    }

    public private(set) var isFrozen: Bool {
        get { fields.pointee.isFrozen }
        set { fields.pointee.isFrozen = newValue }
    }

    /// Stores `bytes` as a new value without looking for an equal one: for columns whose values
    /// rarely repeat within a file (cards, emails, phones, names), where the look-up would
    /// mostly miss. Such values are never found by `intern`; the pool they are merged into
    /// deduplicates them.
    public func append(bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        if bytes.isEmpty { return 0 }
        precondition(!isFrozen, "adding to a frozen string pool")
        if fields.pointee.interned == nil { fields.pointee.interned = Array(1..<UInt32(valueCount)) }
        let id = valueCount
        append(bytes, hash: StringPool.hash(bytes))
        return UInt32(id)
    }

    /// The value of `id` as a string (a short value makes no heap allocation).
    public subscript(id: UInt32) -> String {
        withBytes(id) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the bytes of `id`; they are valid only during the call. Inlinable:
    /// the writers and the fraud review read pool values for every payment.
    @inlinable @inline(__always)
    public func withBytes<R>(_ id: UInt32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let index = Int(id)
        precondition(index < valueCount, "string pool id out of range")
        let start = index == 0 ? 0 : Int(ends[index - 1])
        return try body(UnsafeBufferPointer(start: arena + start, count: Int(ends[index]) - start))
    }

    /// The stored hash of `id` (equal to `StringPool.hash` of its bytes).
    @inline(__always)
    public func hash(of id: UInt32) -> UInt64 {
        precondition(!isFrozen, "a frozen string pool keeps no hashes")
        return hashes[Int(id)]
    }

    private func append(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) {
        if arenaCount + bytes.count > arenaCapacity {
            precondition(arenaCount + bytes.count <= Int(UInt32.max), "string pool over 4 GiB")
            var capacity = arenaCapacity * 2
            while capacity < arenaCount + bytes.count { capacity *= 2 }
            resizeArena(to: min(capacity, Int(UInt32.max)))
        }
        if valueCount == valueCapacity { resizeValues(to: valueCapacity * 2) }
        (arena + arenaCount).update(from: bytes.baseAddress!, count: bytes.count)
        arenaCount += bytes.count
        ends[valueCount] = UInt32(arenaCount)
        hashes[valueCount] = hash
        valueCount += 1
    }

    private func resizeArena(to capacity: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        bigger.update(from: arena, count: arenaCount)
        arena.deallocate()
        arena = bigger
        arenaCapacity = capacity
    }

    private func resizeValues(to capacity: Int) {
        let biggerEnds = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        biggerEnds.update(from: ends, count: valueCount)
        ends.deallocate()
        ends = biggerEnds
        let biggerHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        biggerHashes.update(from: hashes, count: valueCount)
        hashes.deallocate()
        hashes = biggerHashes
        valueCapacity = capacity
    }

    private func grow() {
        let size = (slotMask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        slotMask = size - 1
        func insert(_ id: Int) {
            let hash = hashes[id]
            var slot = Int(truncatingIfNeeded: hash) & slotMask
            while slots[slot] != 0 { slot = (slot + 1) & slotMask }
            slots[slot] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(id + 1)
        }
        if let interned = fields.pointee.interned {
            for id in interned { insert(Int(id)) }
        } else {
            for id in 1..<valueCount { insert(id) }
        }
    }

    /// A hash of the bytes, eight at a time: each word is mixed in with one multiply and a
    /// shift, and a value of 8 bytes or more ends with an overlapping load of its last eight, so
    /// no byte loop runs (a byte-at-a-time FNV-1a cost about a multiply per byte, and these
    /// hashes run several times per row read). The length seeds it, so a value and the same
    /// value with trailing zero bytes differ. In memory only: never stored.
    @inlinable @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let count = bytes.count
        guard let base = bytes.baseAddress, count > 0 else { return 0x9E37_79B9_7F4A_7C15 }
        let raw = UnsafeRawPointer(base)
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(count) &* 0xFF51_AFD7_ED55_8CCD)
        @inline(__always) func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 29
        }
        if count >= 8 {
            var offset = 0
            while offset + 8 <= count {
                mix(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset += 8
            }
            if offset < count { mix(raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) }
        } else if count >= 4 {
            let low = UInt64(raw.loadUnaligned(as: UInt32.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            mix(low | high << 32)
        } else {
            mix(UInt64(base[0]) | UInt64(base[count >> 1]) << 8 | UInt64(base[count - 1]) << 16)
        }
        hash ^= hash >> 32
        hash = hash &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 29)
    }
}

@inline(__always)
func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var offset = 0
    while offset + 8 <= count {
        if UnsafeRawPointer(a + offset).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + offset).loadUnaligned(as: UInt64.self) {
            return false
        }
        offset += 8
    }
    while offset < count {
        if a[offset] != b[offset] { return false }
        offset += 1
    }
    return true
}
