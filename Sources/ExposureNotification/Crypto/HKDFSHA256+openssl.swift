internal import COpenSSL

/// HKDF-SHA256 specialised for GAEN key derivation: 16-byte input key material, no salt
/// (32 zero bytes), 16-byte output. Back-end file: the only place that touches OpenSSL's SHA-256.
///
/// A generic HKDF costs 7–11 µs a key here (DESIGN §9). This one runs the six SHA-256 block
/// compressions the construction needs and nothing else: the HMAC states for the all-zero salt are
/// computed once, every message fits one padded block, and the compressions go straight to
/// OpenSSL's `SHA256_Transform` (SHA-NI where the CPU has it).
///
/// Not `Sendable`: each thread owns its own instance (it is a few hundred bytes of precomputed state).
struct HKDFSHA256ForGAEN {
    private let saltInner: SHA256_CTX
    private let saltOuter: SHA256_CTX
    private let initial: SHA256_CTX

    init() {
        var start = SHA256_CTX()
        SHA256_Init(&start)
        initial = start
        saltInner = Self.compressing(start, repeatedByte: 0x36)
        saltOuter = Self.compressing(start, repeatedByte: 0x5c)
    }

    /// The pseudo-random key: HMAC-SHA256(key: 32 zero bytes, message: the 16-byte TEK).
    func extract(_ ikm: Block16) -> Digest {
        var block = Block64()
        block.setBlock16(ikm, at: 0)
        block.finishPadding(messageBytes: 16, totalBytes: 64 + 16)
        let inner = Self.compress(saltInner, block)
        var outerBlock = Block64()
        outerBlock.setDigest(inner, at: 0)
        outerBlock.finishPadding(messageBytes: 32, totalBytes: 64 + 32)
        return Self.compress(saltOuter, outerBlock)
    }

    /// The HMAC states keyed with `prk`, reusable for several `expand` calls.
    func keyed(_ prk: Digest) -> (inner: SHA256_CTX, outer: SHA256_CTX) {
        var innerKey = Block64()
        var outerKey = Block64()
        for word in 0..<16 {
            let keyWord: UInt32 = word < 8 ? prk.bigEndianWord(word) : 0
            innerKey.setBigEndianWord(word, keyWord ^ 0x3636_3636)
            outerKey.setBigEndianWord(word, keyWord ^ 0x5c5c_5c5c)
        }
        return (Self.compressingState(initial, innerKey), Self.compressingState(initial, outerKey))
    }

    /// The first 16 bytes of HKDF-Expand(prk, info, 16) for an `info` of at most 54 bytes.
    func expand(_ keyed: (inner: SHA256_CTX, outer: SHA256_CTX), info: StaticInfo) -> Block16 {
        var block = Block64()
        block.setBytes(info.bytes, at: 0)
        block.setByte(0x01, at: info.bytes.count)
        block.finishPadding(messageBytes: info.bytes.count + 1, totalBytes: 64 + info.bytes.count + 1)
        let inner = Self.compress(keyed.inner, block)
        var outerBlock = Block64()
        outerBlock.setDigest(inner, at: 0)
        outerBlock.finishPadding(messageBytes: 32, totalBytes: 64 + 32)
        return Self.compress(keyed.outer, outerBlock).first16
    }

    /// A context-free label ("EN-RPIK", "EN-AEMK").
    struct StaticInfo {
        let bytes: [UInt8]
        static let rpik = StaticInfo(bytes: Array("EN-RPIK".utf8))
        static let aemk = StaticInfo(bytes: Array("EN-AEMK".utf8))
    }

    // MARK: - SHA-256 blocks

    /// A SHA-256 output as the eight state words (most significant word first).
    struct Digest {
        var words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

        func bigEndianWord(_ index: Int) -> UInt32 {
            withUnsafeBytes(of: words) { $0.load(fromByteOffset: index * 4, as: UInt32.self) }
        }

        /// The first 16 digest bytes in output order.
        var first16: Block16 {
            var out = Block16.zero
            withUnsafeMutableBytes(of: &out) { raw in
                for index in 0..<4 { raw.storeBytes(of: bigEndianWord(index).bigEndian, toByteOffset: index * 4, as: UInt32.self) }
            }
            return out
        }

        var bytes: [UInt8] {
            (0..<8).flatMap { index in withUnsafeBytes(of: bigEndianWord(index).bigEndian) { Array($0) } }
        }
    }

    /// One 64-byte message block on the stack.
    struct Block64 {
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

        mutating func setBlock16(_ value: Block16, at offset: Int) {
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.storeBytes(of: value.lo, toByteOffset: offset, as: UInt64.self)
                raw.storeBytes(of: value.hi, toByteOffset: offset + 8, as: UInt64.self)
            }
        }

        mutating func setDigest(_ digest: Digest, at offset: Int) {
            for index in 0..<8 { setBigEndianWord(offset / 4 + index, digest.bigEndianWord(index)) }
        }

        mutating func setBigEndianWord(_ index: Int, _ word: UInt32) {
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: word.bigEndian, toByteOffset: index * 4, as: UInt32.self) }
        }

        mutating func setBytes(_ bytes: [UInt8], at offset: Int) {
            withUnsafeMutableBytes(of: &storage) { raw in
                for (index, byte) in bytes.enumerated() { raw[offset + index] = byte }
            }
        }

        mutating func setByte(_ byte: UInt8, at offset: Int) {
            withUnsafeMutableBytes(of: &storage) { $0[offset] = byte }
        }

        /// SHA-256 padding for a final block holding `messageBytes` bytes of a `totalBytes`-long message.
        mutating func finishPadding(messageBytes: Int, totalBytes: Int) {
            precondition(messageBytes <= 55, "message does not fit a single final block")
            setByte(0x80, at: messageBytes)
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.storeBytes(of: UInt64(totalBytes * 8).bigEndian, toByteOffset: 56, as: UInt64.self)
            }
        }
    }

    private static func compressingState(_ state: SHA256_CTX, _ block: Block64) -> SHA256_CTX {
        var context = state
        var copy = block
        withUnsafeBytes(of: &copy.storage) { raw in
            SHA256_Transform(&context, raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return context
    }

    private static func compress(_ state: SHA256_CTX, _ block: Block64) -> Digest {
        let context = compressingState(state, block)
        return Digest(words: context.h)
    }

    private static func compressing(_ state: SHA256_CTX, repeatedByte byte: UInt8) -> SHA256_CTX {
        var block = Block64()
        for offset in 0..<64 { block.setByte(byte, at: offset) }
        return compressingState(state, block)
    }
}
