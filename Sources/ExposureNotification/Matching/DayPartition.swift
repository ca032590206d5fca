/// The stored RPIs a key of one UTC day can match, with a cache-resident filter in front of an
/// exact lookup.
///
/// A key's RPI of interval *j* matches only sightings within ±12 intervals of *j*, so the partition
/// of day *d* holds every sighting from 12 intervals before the day to 12 after it. Probing it costs
/// one filter word (3 bits of a 64-bit word, blocked Bloom filter sized at `filterBitsPerRPI` bits a
/// distinct RPI: ~0.1 % false positives) and, only on a filter hit, an open-addressing lookup keyed
/// by the RPI's first 8 bytes. Built once, read by all matcher threads. A class so that a lookup
/// hands out one reference, and the filter a raw pointer the probe loop reads without bounds checks
/// or reference counting.
final class DayPartition: @unchecked Sendable {
    /// Bits of filter per distinct RPI (a power of two is chosen above `count × this`).
    static let filterBitsPerRPI = 32

    struct Slot: Sendable {
        var lo: UInt64
        var start: UInt32
        /// 0 marks an empty slot.
        var count: UInt32
    }

    /// `filterWords` words; immutable after `init` (hence `@unchecked Sendable`), freed in `deinit`.
    private let filter: UnsafeMutablePointer<UInt64>
    private let filterWords: Int
    let filterShift: UInt64
    let slots: [Slot]
    let slotShift: UInt64
    /// Sighting indices, grouped by RPI (sorted by its first 8 bytes).
    let members: [UInt32]
    let seeds: Seeds

    /// Multipliers for the filter and slot hashes, drawn per index so crafted RPIs cannot target them.
    struct Seeds: Sendable {
        var filter: UInt64
        var slot: UInt64

        static func random() -> Seeds {
            var rng = SystemRandomNumberGenerator()
            return Seeds(filter: rng.next() | 1, slot: rng.next() | 1)
        }
    }

    var distinctRPIs: Int { slots.lazy.filter { $0.count > 0 }.count }
    var filterBytes: Int { filterWords * 8 }

    /// Builds the partition over `indices` (positions in `sightings`).
    init(indices: [UInt32], sightings: [Sighting], seeds: Seeds) {
        self.seeds = seeds
        var sorted = indices
        sorted.sort { a, b in
            let x = sightings[Int(a)].rpi.value, y = sightings[Int(b)].rpi.value
            return x.lo != y.lo ? x.lo < y.lo : a < b
        }
        members = sorted
        var distinct = 0
        var previous: UInt64?
        for index in sorted where sightings[Int(index)].rpi.value.lo != previous {
            distinct += 1
            previous = sightings[Int(index)].rpi.value.lo
        }
        let filterBits = Self.powerOfTwo(atLeast: max(distinct * Self.filterBitsPerRPI, 1 << 12))
        let filterWords = filterBits / 64
        filterShift = UInt64(64 - filterWords.trailingZeroBitCount)
        let slotCount = Self.powerOfTwo(atLeast: max(distinct * 2, 16))
        slotShift = UInt64(64 - slotCount.trailingZeroBitCount)
        self.filterWords = filterWords
        let filter = UnsafeMutablePointer<UInt64>.allocate(capacity: filterWords)
        filter.initialize(repeating: 0, count: filterWords)
        var slots = [Slot](repeating: Slot(lo: 0, start: 0, count: 0), count: slotCount)
        var position = 0
        while position < sorted.count {
            let rpi = sightings[Int(sorted[position])].rpi.value
            var end = position + 1
            while end < sorted.count, sightings[Int(sorted[end])].rpi.value.lo == rpi.lo { end += 1 }
            // Filter: every distinct full RPI of the group sets its bits (same `lo`, different `hi` is
            // possible only for crafted RPIs, and must not hide them).
            for member in sorted[position..<end] {
                let (word, mask) = Self.filterPosition(hi: sightings[Int(member)].rpi.value.hi, seeds: seeds, shift: filterShift)
                filter[word] |= mask
            }
            var slot = Int((rpi.lo &* seeds.slot) >> slotShift)
            while slots[slot].count != 0 { slot = (slot + 1) & (slotCount - 1) }
            slots[slot] = Slot(lo: rpi.lo, start: UInt32(position), count: UInt32(end - position))
            position = end
        }
        self.filter = filter
        self.slots = slots
        assert(Self.verifyInvariants(members: members, slots: slots, sightings: sightings))
    }

    deinit { filter.deallocate() }

    /// The filter word and bits of an RPI, from its last 8 bytes (the slot lookup keys on the first 8).
    @inline(__always)
    static func filterPosition(hi: UInt64, seeds: Seeds, shift: UInt64) -> (Int, UInt64) {
        let hash = hi &* seeds.filter
        let mask = (1 as UInt64) << (hash & 63) | (1 as UInt64) << ((hash >> 6) & 63) | (1 as UInt64) << ((hash >> 12) & 63)
        return (Int(hash >> shift), mask)
    }

    /// Which of `count` (at most 64) RPIs, laid out 16 bytes each from `rpis`, the filter admits: bit
    /// *i* of the result for the RPI at `rpis + 16 i`. No branch per RPI, so the filter loads of
    /// consecutive RPIs overlap instead of waiting on each other.
    @inline(__always)
    func admitted(_ rpis: UnsafeRawPointer, count: Int) -> UInt64 {
        let filter = self.filter, seeds = self.seeds, shift = filterShift
        var bits: UInt64 = 0
        for position in 0..<count {
            let hi = rpis.loadUnaligned(fromByteOffset: position &* 16 &+ 8, as: UInt64.self)
            let (word, mask) = Self.filterPosition(hi: hi, seeds: seeds, shift: shift)
            bits |= UInt64(truncatingIfNeeded: (filter[word] & mask == mask) ? 1 : 0) << UInt64(position)
        }
        return bits
    }

    /// The members (sighting indices) whose RPI starts with `lo`; empty if none.
    @inline(__always)
    func group(lo: UInt64) -> ArraySlice<UInt32> {
        let mask = slots.count - 1
        var slot = Int((lo &* seeds.slot) >> slotShift)
        while true {
            let entry = slots[slot]
            if entry.count == 0 { return [] }
            if entry.lo == lo { return members[Int(entry.start)..<Int(entry.start + entry.count)] }
            slot = (slot + 1) & mask
        }
    }

    private static func powerOfTwo(atLeast value: Int) -> Int {
        var result = 1
        while result < value { result <<= 1 }
        return result
    }

    /// Debug check: every member is reachable through its slot, and slots cover members exactly once.
    private static func verifyInvariants(members: [UInt32], slots: [Slot], sightings: [Sighting]) -> Bool {
        let covered = slots.reduce(0) { $0 + Int($1.count) }
        guard covered == members.count else { return false }
        for slot in slots where slot.count > 0 {
            for member in members[Int(slot.start)..<Int(slot.start + slot.count)]
            where sightings[Int(member)].rpi.value.lo != slot.lo { return false }
        }
        return true
    }
}
