import Crypto
import Foundation

/// The epoch keys on disk: two fixed-size slot files (`epoch-keys.a`, `.b`), each sealed under the
/// master key with AES-GCM and carrying a sequence number. A save overwrites the older slot in
/// place, then the other, so after any crash one slot is whole, and after a completed save no slot
/// still holds a destroyed key. The files keep one size whatever the number of keys, so in-place
/// overwrites reuse the same blocks and the size says nothing about how many hours were recorded.
struct EpochKeyFile {
    static let maximumEntries = 448   // 14 days of hours (336) + a day ahead + margin
    static let magic = Array("BLEAEK01".utf8)
    private static let entryBytes = 36
    private static let plaintextBytes = 16 + maximumEntries * entryBytes
    static let fileBytes = 16 + 12 + plaintextBytes + 16

    let directory: StoreDirectory
    let sealingKey: SymmetricKey

    struct Contents {
        var sequence: UInt64
        var keys: [Epoch: SymmetricKey]
    }

    /// Reads both slots; returns the newer whole one (nil if neither exists) and heals the other
    /// unless `heal` is false (a reader beside the store's owner must never write a slot: it could
    /// put back a key the owner has just destroyed).
    func load(heal: Bool = true) throws(StoreError) -> Contents? {
        var best: (slot: Int, contents: Contents)?
        var damaged: [Int] = []
        for slot in 0..<2 {
            guard let bytes = try StoreDirectory.read(directory.epochKeySlot(slot)) else { continue }
            guard let contents = decode(bytes, slot: slot) else { damaged.append(slot); continue }
            if let current = best, contents.sequence <= current.contents.sequence { continue }
            best = (slot, contents)
        }
        guard let best else {
            if !damaged.isEmpty {
                throw .corrupt("both epoch-key files are unreadable (wrong master key, or damaged): records cannot be decrypted")
            }
            return nil
        }
        guard heal else { return best.contents }
        // Make the other slot equal to the chosen one, so a key destroyed just before a crash is gone from both.
        let other = 1 - best.slot
        let otherContents = (try? StoreDirectory.read(directory.epochKeySlot(other))).flatMap { $0 }.flatMap { decode($0, slot: other) }
        if otherContents?.sequence != best.contents.sequence {
            try write(best.contents, slot: other)
        }
        return best.contents
    }

    /// Saves `keys` as the next sequence number to both slots (older slot first).
    func save(_ contents: inout Contents) throws(StoreError) {
        guard contents.keys.count <= Self.maximumEntries else {
            throw .corrupt("more than \(Self.maximumEntries) epoch keys are live; is the clock far off?")
        }
        contents.sequence += 1
        let first = Int(contents.sequence % 2)
        try write(contents, slot: first)
        try write(contents, slot: 1 - first)
    }

    /// Overwrites both slots with zeros (used by wipe before unlinking).
    static func destroy(_ directory: StoreDirectory) {
        for slot in 0..<2 where FileManager.default.fileExists(atPath: directory.epochKeySlot(slot)) {
            try? StoreDirectory.overwrite(directory.epochKeySlot(slot), with: [UInt8](repeating: 0, count: fileBytes), create: false)
        }
    }

    private func write(_ contents: Contents, slot: Int) throws(StoreError) {
        var plaintext = [UInt8](repeating: 0, count: Self.plaintextBytes)
        plaintext.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: contents.sequence.littleEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: UInt32(contents.keys.count).littleEndian, toByteOffset: 8, as: UInt32.self)
            for (index, (epoch, key)) in contents.keys.sorted(by: { $0.key < $1.key }).enumerated() {
                let offset = 16 + index * Self.entryBytes
                raw.storeBytes(of: epoch.rawValue.littleEndian, toByteOffset: offset, as: UInt32.self)
                key.withUnsafeBytes { keyBytes in
                    for byte in 0..<32 { raw[offset + 4 + byte] = keyBytes[byte] }
                }
            }
        }
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(plaintext, using: sealingKey, authenticating: aad(slot))
        } catch {
            throw .io("sealing the epoch keys failed: \(error)")
        }
        guard let combined = sealed.combined else { throw .io("sealing the epoch keys failed") }
        var file = Self.magic + [UInt8(slot)] + [UInt8](repeating: 0, count: 7)
        file += combined
        try StoreDirectory.write(directory.epochKeySlot(slot), with: file)
    }

    private func decode(_ bytes: [UInt8], slot: Int) -> Contents? {
        guard bytes.count == Self.fileBytes, Array(bytes[0..<8]) == Self.magic, bytes[8] == UInt8(slot),
              let box = try? AES.GCM.SealedBox(combined: bytes[16...]),
              let plaintext = try? AES.GCM.open(box, using: sealingKey, authenticating: aad(slot)),
              plaintext.count == Self.plaintextBytes
        else { return nil }
        return plaintext.withUnsafeBytes { raw -> Contents? in
            let sequence = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            guard count <= Self.maximumEntries else { return nil }
            var keys: [Epoch: SymmetricKey] = [:]
            for index in 0..<count {
                let offset = 16 + index * Self.entryBytes
                let epoch = Epoch(rawValue: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                keys[epoch] = SymmetricKey(data: UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<(offset + 36)]))
            }
            return Contents(sequence: sequence, keys: keys)
        }
    }

    private func aad(_ slot: Int) -> [UInt8] { Array("bleagent-epoch-keys-v1".utf8) + [UInt8(slot)] }
}
