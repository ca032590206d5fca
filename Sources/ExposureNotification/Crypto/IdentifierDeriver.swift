/// Derives everything a TEK implies: its RPIK and AEMK, the RPIs of its intervals, and AEMs.
///
/// Each instance owns reusable buffers and an AES context, so it is **not** thread-safe: give each
/// thread its own (the matcher does). Cost per key on this machine (release): one HKDF of six SHA-256
/// blocks and one AES-ECB call over all 144 blocks of the key's day.
public final class IdentifierDeriver {
    private let hkdf = HKDFSHA256ForGAEN()
    private let aes = AESECBCipher()
    /// 144 padded "EN-RPI" blocks; only the interval bytes (12–15) change between keys.
    private let plaintext: UnsafeMutableRawBufferPointer
    private let ciphertext: UnsafeMutableRawBufferPointer
    private var patchedStart: UInt32?

    private static let blocks = Int(TemporaryExposureKey.maximumRollingPeriod)

    public init() {
        plaintext = .allocate(byteCount: Self.blocks * 16, alignment: 16)
        ciphertext = .allocate(byteCount: Self.blocks * 16, alignment: 16)
        plaintext.initializeMemory(as: UInt8.self, repeating: 0)
        ciphertext.initializeMemory(as: UInt8.self, repeating: 0)
        let prefix = Array("EN-RPI".utf8)
        for block in 0..<Self.blocks {
            for (offset, byte) in prefix.enumerated() { plaintext[block * 16 + offset] = byte }
        }
    }

    deinit {
        plaintext.deallocate()
        ciphertext.deallocate()
    }

    /// RPIK = HKDF(tek, salt: none, info: "EN-RPIK", 16 bytes).
    public func rollingProximityIdentifierKey(for tek: Block16) -> Block16 {
        hkdf.expand(hkdf.keyed(hkdf.extract(tek)), info: .rpik)
    }

    /// AEMK = HKDF(tek, salt: none, info: "EN-AEMK", 16 bytes).
    public func associatedEncryptedMetadataKey(for tek: Block16) -> Block16 {
        hkdf.expand(hkdf.keyed(hkdf.extract(tek)), info: .aemk)
    }

    /// Both keys, sharing the extract step.
    public func keys(for tek: Block16) -> (rpik: Block16, aemk: Block16) {
        let keyed = hkdf.keyed(hkdf.extract(tek))
        return (hkdf.expand(keyed, info: .rpik), hkdf.expand(keyed, info: .aemk))
    }

    /// The RPI of one interval.
    public func identifier(for tek: Block16, at interval: ENIntervalNumber) -> RollingProximityIdentifier {
        identifier(rpik: rollingProximityIdentifierKey(for: tek), at: interval)
    }

    /// The RPI of one interval under an already derived RPIK.
    public func identifier(rpik: Block16, at interval: ENIntervalNumber) -> RollingProximityIdentifier {
        let padded = Block16(lo: UInt64(0x4950_522d_4e45).littleEndian,
                             hi: (UInt64(interval.rawValue) << 32).littleEndian)
        return RollingProximityIdentifier(aes.encrypt(key: rpik, block: padded))
    }

    /// The interval `rpi` stands for if it was made with `rpik`, else nil: the decrypted block must
    /// be "EN-RPI", six zero bytes and an interval number (a 96-bit check no stranger's RPI passes).
    public func interval(of rpi: RollingProximityIdentifier, rpik: Block16) -> ENIntervalNumber? {
        let padded = aes.decrypt(key: rpik, block: rpi.value)
        guard padded.lo == UInt64(0x4950_522d_4e45).littleEndian, UInt64(littleEndian: padded.hi) & 0xFFFF_FFFF == 0 else { return nil }
        return ENIntervalNumber(rawValue: UInt32(truncatingIfNeeded: UInt64(littleEndian: padded.hi) >> 32))
    }

    /// The RPIs of `count` consecutive intervals from `start` (count ≤ 144), as an array.
    public func identifiers(for tek: Block16, from start: ENIntervalNumber,
                            count: Int = Int(TemporaryExposureKey.maximumRollingPeriod)) -> [RollingProximityIdentifier] {
        withIdentifiers(rpik: rollingProximityIdentifierKey(for: tek), from: start.rawValue, count: count) { raw in
            (0..<min(count, Self.blocks)).map { RollingProximityIdentifier(Block16(loadingFrom: raw, at: $0 * 16)) }
        }
    }

    /// Hot path: encrypts the padded blocks of `count` (≤ 144) intervals from `start` in one AES call
    /// and lends the 16-byte RPIs, consecutive in `raw`, to `body`. The buffer is reused by the next call.
    @inline(__always)
    public func withIdentifiers<R>(rpik: Block16, from start: UInt32, count: Int,
                            _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let blocks = encryptIdentifiers(rpik: rpik, from: start, count: count, into: ciphertext.baseAddress!)
        return try body(UnsafeRawBufferPointer(rebasing: ciphertext[0..<(blocks * 16)]))
    }

    /// Hot path: writes the RPIs of `count` (clamped to 0…144) intervals from `start` to `output`
    /// (room for 144 × 16 bytes) in one AES call; returns how many were written.
    @inline(__always)
    func encryptIdentifiers(rpik: Block16, from start: UInt32, count: Int, into output: UnsafeMutableRawPointer) -> Int {
        let blocks = min(max(count, 0), Self.blocks)
        if patchedStart != start {
            for block in 0..<Self.blocks {
                plaintext.storeBytes(of: (start &+ UInt32(block)).littleEndian, toByteOffset: block * 16 + 12, as: UInt32.self)
            }
            patchedStart = start
        }
        aes.encrypt(key: rpik, input: UnsafeRawPointer(plaintext.baseAddress!), output: output, blocks: blocks)
        return blocks
    }

    /// AEM = AES-128-CTR(AEMK, IV = RPI, metadata). For a 4-byte message CTR is the first 4 bytes of
    /// AES(AEMK, RPI) XOR the plaintext, so one block encryption serves both directions.
    public func associatedEncryptedMetadata(_ metadata: AssociatedMetadata, aemk: Block16,
                                            rpi: RollingProximityIdentifier) -> AssociatedEncryptedMetadata {
        AssociatedEncryptedMetadata(rawValue: metadata.rawValue ^ keystream(aemk: aemk, rpi: rpi))
    }

    /// Decrypts an AEM to its raw 4 metadata bytes (wire order); validate with `AssociatedMetadata(decoding:)`.
    public func decryptMetadata(_ aem: AssociatedEncryptedMetadata, aemk: Block16, rpi: RollingProximityIdentifier) -> UInt32 {
        aem.rawValue ^ keystream(aemk: aemk, rpi: rpi)
    }

    /// Encrypts arbitrary 4 metadata bytes (wire order), as the CLI does for `--metadata HEX`.
    public func encryptMetadata(raw: UInt32, aemk: Block16, rpi: RollingProximityIdentifier) -> AssociatedEncryptedMetadata {
        AssociatedEncryptedMetadata(rawValue: raw ^ keystream(aemk: aemk, rpi: rpi))
    }

    private func keystream(aemk: Block16, rpi: RollingProximityIdentifier) -> UInt32 {
        UInt32(truncatingIfNeeded: aes.encrypt(key: aemk, block: rpi.value).lo)
    }
}

extension IdentifierDeriver {
    /// What a device broadcasts in `interval` with key `tek`: the interval's RPI and its metadata
    /// (version 1.0, `txPower` clamped to what receivers accept, −50…20 dBm) encrypted under the
    /// key's AEMK. The one derivation of an advertisement: the daemon and `radio test` both use it.
    public func advertisement(tek: Block16, at interval: ENIntervalNumber, txPower: Int8) -> AdvertisementPayload {
        let derived = keys(for: tek)
        let rpi = identifier(rpik: derived.rpik, at: interval)
        let power = min(AssociatedMetadata.acceptedTxPower.upperBound, max(AssociatedMetadata.acceptedTxPower.lowerBound, txPower))
        return AdvertisementPayload(rpi: rpi, aem: associatedEncryptedMetadata(.version1_0(txPower: power), aemk: derived.aemk, rpi: rpi))
    }
}
