import ExposureNotification
import Testing

struct MetadataTests {
    @Test func encodesVersions() {
        #expect(AssociatedMetadata.version1_0(txPower: 8).bytes == [0x40, 0x08, 0, 0])
        #expect(AssociatedMetadata.version1_1(txPower: -12, calibrationConfidence: 3).bytes == [0x5C, 0xF4, 0, 0])
    }

    @Test func decodesWithBounds() throws {
        let v10 = try AssociatedMetadata(decoding: [0x40, 0x08, 0, 0])
        #expect(v10.txPower == 8 && v10.minorVersion == 0 && v10.calibrationConfidence == 0)
        let v11 = try AssociatedMetadata(decoding: [0x5C, 0xF4, 0, 0])
        #expect(v11.txPower == -12 && v11.minorVersion == 1 && v11.calibrationConfidence == 3)
        // A later minor version of major 1 is accepted.
        #expect(try AssociatedMetadata(decoding: [0x70, 0x00, 0, 0]).minorVersion == 3)
        #expect(throws: AssociatedMetadata.DecodingError.unsupportedMajorVersion(2)) { try AssociatedMetadata(decoding: [0x80, 0, 0, 0]) }
        #expect(throws: AssociatedMetadata.DecodingError.txPowerOutOfRange(21)) { try AssociatedMetadata(decoding: [0x40, 21, 0, 0]) }
        #expect(throws: AssociatedMetadata.DecodingError.txPowerOutOfRange(-51)) { try AssociatedMetadata(decoding: [0x40, 0xCD, 0, 0]) }
        #expect(try AssociatedMetadata(decoding: [0x40, 20, 0, 0]).txPower == 20)
        #expect(try AssociatedMetadata(decoding: [0x40, 0xCE, 0, 0]).txPower == -50)
        #expect(throws: AssociatedMetadata.DecodingError.wrongLength(3)) { try AssociatedMetadata(decoding: [0x40, 0, 0]) }
    }
}

struct AdvertisementPayloadTests {
    let payload = AdvertisementPayload(rpi: RollingProximityIdentifier(Block16(lo: 0x0807_0605_0403_0201, hi: 0x100F_0E0D_0C0B_0A09)),
                                       aem: AssociatedEncryptedMetadata(rawValue: 0xDDCC_BBAA))

    @Test func encodesServiceData() {
        #expect(payload.serviceData == Array(1...16) + [0xAA, 0xBB, 0xCC, 0xDD])
        #expect(payload.advertisingData.prefix(8) == [0x03, 0x03, 0x6F, 0xFD, 0x17, 0x16, 0x6F, 0xFD])
        #expect(payload.advertisingData.count == 28)
    }

    @Test func decodesWithAndWithoutFlags() throws {
        #expect(try AdvertisementPayload(advertisingData: payload.advertisingData) == payload)
        let withFlags = [0x02, 0x01, 0x1A] + payload.advertisingData + [0, 0]
        #expect(try AdvertisementPayload(advertisingData: withFlags) == payload)
        // Service data alone, as Android sends it, in any order.
        let reordered = Array(payload.advertisingData[4...]) + Array(payload.advertisingData[0..<4])
        #expect(try AdvertisementPayload(advertisingData: reordered) == payload)
        #expect(try AdvertisementPayload(serviceData: payload.serviceData) == payload)
    }

    @Test func rejectsBrokenAdvertisements() {
        #expect(throws: AdvertisementPayload.DecodingError.truncatedStructure(offset: 4)) {
            try AdvertisementPayload(advertisingData: Array(payload.advertisingData.dropLast()))
        }
        #expect(throws: AdvertisementPayload.DecodingError.noExposureNotificationServiceData) {
            try AdvertisementPayload(advertisingData: [0x02, 0x01, 0x06])
        }
        #expect(throws: AdvertisementPayload.DecodingError.duplicateServiceData) {
            try AdvertisementPayload(advertisingData: payload.advertisingData + Array(payload.advertisingData[4...]))
        }
        #expect(throws: AdvertisementPayload.DecodingError.wrongServiceDataLength(19)) {
            try AdvertisementPayload(serviceData: Array(payload.serviceData.dropLast()))
        }
    }
}
