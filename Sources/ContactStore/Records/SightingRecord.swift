import ExposureNotification

/// The 32-byte plaintext form of a sighting inside a sealed chunk:
/// RPI (16) ‖ AEM (4) ‖ time (u32, unix seconds) ‖ RSSI max (i8) ‖ RSSI mean (i8) ‖
/// seconds since last scan (u16) ‖ adapter (u8) ‖ 3 reserved bytes. Little-endian.
enum SightingRecord {
    static let bytes = 32

    static func append(_ sighting: Sighting, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bytes))
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: sighting.rpi.value.lo, toByteOffset: start, as: UInt64.self)
            raw.storeBytes(of: sighting.rpi.value.hi, toByteOffset: start + 8, as: UInt64.self)
            raw.storeBytes(of: sighting.aem.rawValue.littleEndian, toByteOffset: start + 16, as: UInt32.self)
            raw.storeBytes(of: UInt32(clamping: sighting.time).littleEndian, toByteOffset: start + 20, as: UInt32.self)
            raw.storeBytes(of: sighting.rssiMax, toByteOffset: start + 24, as: Int8.self)
            raw.storeBytes(of: sighting.rssiMean, toByteOffset: start + 25, as: Int8.self)
            raw.storeBytes(of: sighting.secondsSinceLastScan.littleEndian, toByteOffset: start + 26, as: UInt16.self)
            raw.storeBytes(of: sighting.adapter, toByteOffset: start + 28, as: UInt8.self)
        }
    }

    /// Reads record `index` of `raw` (bounds checked by the caller).
    @inline(__always)
    static func read(_ raw: UnsafeRawBufferPointer, index: Int) -> Sighting {
        let offset = index * bytes
        return Sighting(rpi: RollingProximityIdentifier(Block16(loadingFrom: raw, at: offset)),
                        aem: AssociatedEncryptedMetadata(rawValue: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt32.self))),
                        time: Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 20, as: UInt32.self))),
                        rssiMax: raw.loadUnaligned(fromByteOffset: offset + 24, as: Int8.self),
                        rssiMean: raw.loadUnaligned(fromByteOffset: offset + 25, as: Int8.self),
                        secondsSinceLastScan: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 26, as: UInt16.self)),
                        adapter: raw[offset + 28])
    }
}
