import ExposureNotification
import Foundation

/// The over-the-air side of `bleagent radio calibrate`. Two devices given the same session name
/// derive the same two throw-away keys (one per role), so each knows the other's identifiers
/// without exchanging anything. Each advertises, in its metadata's two reserved bytes, the median
/// of what it has heard of the other (corrected by its own RSSI correction) and a marker; the
/// subject reads the reference's figure from the air. The keys are derived from the name, so the
/// adverts are test adverts anyone who knows the name can follow: never use them for anything else.
struct CalibrationSession: Sendable {
    enum Role: String, Sendable, CaseIterable {
        case reference, subject

        var peer: Role { self == .reference ? .subject : .reference }
    }

    /// Byte 3 of the metadata: marks a calibration advert (with the version byte, a 16-bit check
    /// that a stranger's advert decrypted under our key does not pass but once in 65,536).
    static let marker: UInt8 = 0xCA
    /// Byte 2 while nothing has been heard yet.
    static let nothingHeard: Int8 = 127

    let name: String

    /// The role's key: the first 16 bytes of SHA-256 over a label, the role and the session name.
    func key(for role: Role) -> Block16 {
        let digest = FileDigest.of(Data("bleagent radio calibrate v1\u{0}\(role.rawValue)\u{0}\(name)".utf8))
        return Block16(bytes: digest.bytes.prefix(16)) ?? .zero
    }

    /// What a calibration advert says.
    struct Metadata: Sendable, Hashable {
        /// The sender's advertised TX power (its calibration, or for a subject what it uses now).
        var txPower: Int8
        /// The median RSSI (with the sender's correction) at which the sender hears its peer; nil
        /// until it has heard enough.
        var heard: Int8?

        /// Wire order: version 1.0, TX power, heard, marker.
        var raw: UInt32 {
            let heardByte = UInt8(bitPattern: heard ?? CalibrationSession.nothingHeard)
            return 0x40 | UInt32(UInt8(bitPattern: txPower)) << 8 | UInt32(heardByte) << 16 | UInt32(CalibrationSession.marker) << 24
        }

        /// nil unless `raw` is a calibration advert (version 1.0, marker, TX power in GAEN's range).
        init?(raw: UInt32) {
            guard raw & 0xFF == 0x40, UInt8(truncatingIfNeeded: raw >> 24) == CalibrationSession.marker else { return nil }
            let power = Int8(bitPattern: UInt8(truncatingIfNeeded: raw >> 8))
            guard AssociatedMetadata.acceptedTxPower.contains(power) else { return nil }
            let heard = Int8(bitPattern: UInt8(truncatingIfNeeded: raw >> 16))
            self.init(txPower: power, heard: heard == CalibrationSession.nothingHeard ? nil : heard)
        }

        init(txPower: Int8, heard: Int8?) {
            self.txPower = txPower
            self.heard = heard
        }
    }

    /// The advert `role` broadcasts in `interval`.
    func advertisement(_ role: Role, interval: ENIntervalNumber, metadata: Metadata, deriver: IdentifierDeriver) -> AdvertisementPayload {
        let keys = deriver.keys(for: key(for: role))
        let rpi = deriver.identifier(rpik: keys.rpik, at: interval)
        return AdvertisementPayload(rpi: rpi, aem: deriver.encryptMetadata(raw: metadata.raw, aemk: keys.aemk, rpi: rpi))
    }

    /// What `payload` says if it is `role`'s calibration advert; nil for anyone else's.
    func read(_ payload: AdvertisementPayload, from role: Role, deriver: IdentifierDeriver) -> Metadata? {
        let aemk = deriver.keys(for: key(for: role)).aemk
        return Metadata(raw: deriver.decryptMetadata(payload.aem, aemk: aemk, rpi: payload.rpi))
    }
}
