internal import COpenSSL

/// HKDF-SHA256 specialised for GAEN key derivation: 16-byte input key material, no salt
/// (32 zero bytes), 16-byte output. Back-end file: the only place that touches OpenSSL's SHA-256.
///
/// A generic HKDF costs 7–11 µs a key here (DESIGN §9). This one runs the six SHA-256 block
/// compressions the construction needs and nothing else: the HMAC states for the all-zero salt are
/// computed once, every message fits one padded block whose constant parts are written once, and
/// the compressions go straight to OpenSSL's `SHA256_Transform` (SHA-NI where the CPU has it).
///
/// Owns its buffers (freed in `deinit`); not `Sendable`: one per thread.
final class HKDFSHA256ForGAEN {
    /// SHA-256 chaining state: eight words, most significant first.
    typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    enum Info { case rpik, aemk }

    private let context: UnsafeMutablePointer<SHA256_CTX>
    /// Six 64-byte message blocks whose padding and constant parts are filled in once.
    private let blocks: UnsafeMutablePointer<UInt32>
    private var tekBlock: UnsafeMutablePointer<UInt32> { blocks }
    private var digestBlock: UnsafeMutablePointer<UInt32> { blocks + 16 }
    private var innerKeyBlock: UnsafeMutablePointer<UInt32> { blocks + 32 }
    private var outerKeyBlock: UnsafeMutablePointer<UInt32> { blocks + 48 }
    private var rpikInfoBlock: UnsafeMutablePointer<UInt32> { blocks + 64 }
    private var aemkInfoBlock: UnsafeMutablePointer<UInt32> { blocks + 80 }

    private var initial: State = (0, 0, 0, 0, 0, 0, 0, 0)
    private var saltInner: State = (0, 0, 0, 0, 0, 0, 0, 0)
    private var saltOuter: State = (0, 0, 0, 0, 0, 0, 0, 0)

    init() {
        context = .allocate(capacity: 1)
        context.initialize(to: SHA256_CTX())
        blocks = .allocate(capacity: 96)
        blocks.initialize(repeating: 0, count: 96)
        SHA256_Init(context)
        initial = context.pointee.h
        // HMAC key = the zero salt: its ipad/opad blocks are constant, so are the states after them.
        for word in 0..<16 { innerKeyBlock[word] = 0x3636_3636; outerKeyBlock[word] = 0x5c5c_5c5c }
        saltInner = compress(initial, innerKeyBlock)
        saltOuter = compress(initial, outerKeyBlock)
        // Final blocks: a 16-byte TEK after the 64-byte key block (80 bytes), a 32-byte digest after
        // it (96 bytes), and "EN-RPIK"/"EN-AEMK" ‖ 0x01 (72 bytes).
        Self.pad(tekBlock, messageBytes: 16, totalBytes: 80)
        Self.pad(digestBlock, messageBytes: 32, totalBytes: 96)
        for (block, label) in [(rpikInfoBlock, "EN-RPIK"), (aemkInfoBlock, "EN-AEMK")] {
            let bytes = UnsafeMutableRawPointer(block)
            for (offset, byte) in (Array(label.utf8) + [0x01]).enumerated() { bytes.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self) }
            Self.pad(block, messageBytes: 8, totalBytes: 72)
        }
    }

    deinit {
        context.deallocate()
        blocks.deallocate()
    }

    /// The pseudo-random key: HMAC-SHA256(key: 32 zero bytes, message: the 16-byte TEK).
    @inline(__always)
    func extract(_ ikm: Block16) -> State {
        let raw = UnsafeMutableRawPointer(tekBlock)
        raw.storeBytes(of: ikm.lo, as: UInt64.self)
        raw.storeBytes(of: ikm.hi, toByteOffset: 8, as: UInt64.self)
        let inner = compress(saltInner, tekBlock)
        Self.store(inner, into: digestBlock)
        return compress(saltOuter, digestBlock)
    }

    /// The HMAC states keyed with `prk`, reusable for several `expand` calls.
    @inline(__always)
    func keyed(_ prk: State) -> (inner: State, outer: State) {
        Self.store(prk, into: innerKeyBlock, xor: 0x3636_3636)
        Self.store(prk, into: outerKeyBlock, xor: 0x5c5c_5c5c)
        return (compress(initial, innerKeyBlock), compress(initial, outerKeyBlock))
    }

    /// The first 16 bytes of HKDF-Expand(prk, "EN-RPIK" or "EN-AEMK", 16).
    @inline(__always)
    func expand(_ keyed: (inner: State, outer: State), info: Info) -> Block16 {
        let inner = compress(keyed.inner, info == .rpik ? rpikInfoBlock : aemkInfoBlock)
        Self.store(inner, into: digestBlock)
        let output = compress(keyed.outer, digestBlock)
        var result = Block16.zero
        withUnsafeMutableBytes(of: &result) { raw in
            raw.storeBytes(of: output.0.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: output.1.bigEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: output.2.bigEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: output.3.bigEndian, toByteOffset: 12, as: UInt32.self)
        }
        return result
    }

    @inline(__always)
    private func compress(_ state: State, _ block: UnsafeMutablePointer<UInt32>) -> State {
        context.pointee.h = state
        SHA256_Transform(context, UnsafeRawPointer(block).assumingMemoryBound(to: UInt8.self))
        return context.pointee.h
    }

    /// Writes a state as the first 32 message bytes (big-endian words), optionally XORed with a pad.
    @inline(__always)
    private static func store(_ state: State, into block: UnsafeMutablePointer<UInt32>, xor pad: UInt32 = 0) {
        block[0] = (state.0 ^ pad).bigEndian
        block[1] = (state.1 ^ pad).bigEndian
        block[2] = (state.2 ^ pad).bigEndian
        block[3] = (state.3 ^ pad).bigEndian
        block[4] = (state.4 ^ pad).bigEndian
        block[5] = (state.5 ^ pad).bigEndian
        block[6] = (state.6 ^ pad).bigEndian
        block[7] = (state.7 ^ pad).bigEndian
    }

    /// SHA-256 padding of a final block holding `messageBytes` of a `totalBytes`-long message.
    private static func pad(_ block: UnsafeMutablePointer<UInt32>, messageBytes: Int, totalBytes: Int) {
        let raw = UnsafeMutableRawPointer(block)
        raw.storeBytes(of: 0x80, toByteOffset: messageBytes, as: UInt8.self)
        raw.storeBytes(of: UInt64(totalBytes * 8).bigEndian, toByteOffset: 56, as: UInt64.self)
    }
}
