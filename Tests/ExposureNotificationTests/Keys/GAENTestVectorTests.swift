import Crypto
import ExposureNotification
import Foundation
import Testing

/// Google's published GAEN v1.2 test vectors: one TEK, its keys, and all 144 RPIs and AEMs of its day.
@Suite(.enabled(if: Fixtures.available, Fixtures.absentMessage))
struct GAENTestVectorTests {
    struct Vectors: Decodable {
        struct Advertised: Decodable {
            var index: Int
            var interval: UInt32
            var rpi: String
            var aem: String
        }

        var tek: String
        var rolling_start_interval_number: UInt32
        var key_generation_unix_seconds: Int64
        var rpik: String
        var aemk: String
        var metadata: String
        var padded_data_index0: String
        var advertised: [Advertised]
    }

    let vectors: Vectors

    init() throws {
        vectors = try JSONDecoder().decode(Vectors.self, from: try Fixtures.data("gaen-test-vectors.json"))
    }

    @Test func derivesRPIKAndAEMK() throws {
        let tek = try #require(Block16(hex: vectors.tek))
        let deriver = IdentifierDeriver()
        #expect(deriver.rollingProximityIdentifierKey(for: tek).description == vectors.rpik)
        #expect(deriver.associatedEncryptedMetadataKey(for: tek).description == vectors.aemk)
        let both = deriver.keys(for: tek)
        #expect(both.rpik.description == vectors.rpik)
        #expect(both.aemk.description == vectors.aemk)
    }

    @Test func intervalAndPaddedData() throws {
        let interval = try #require(ENIntervalNumber(unixSeconds: vectors.key_generation_unix_seconds))
        #expect(interval.rawValue == vectors.rolling_start_interval_number)
        #expect(interval.dayStart == interval)
        #expect(Hex.encode(RollingProximityIdentifier.paddedData(for: interval)) == vectors.padded_data_index0)
    }

    @Test func all144IdentifiersAndMetadata() throws {
        #expect(vectors.advertised.count == 144)
        let tek = try #require(Block16(hex: vectors.tek))
        let deriver = IdentifierDeriver()
        let start = ENIntervalNumber(rawValue: vectors.rolling_start_interval_number)
        let batch = deriver.identifiers(for: tek, from: start)
        let aemk = deriver.associatedEncryptedMetadataKey(for: tek)
        let metadata = try AssociatedMetadata(decoding: try #require(Hex.decode(vectors.metadata)))
        for vector in vectors.advertised {
            let interval = ENIntervalNumber(rawValue: vector.interval)
            let single = deriver.identifier(for: tek, at: interval)
            #expect(single.description == vector.rpi, "RPI of interval \(vector.interval)")
            #expect(batch[vector.index] == single)
            let aem = deriver.associatedEncryptedMetadata(metadata, aemk: aemk, rpi: single)
            #expect(aem.description == vector.aem, "AEM of interval \(vector.interval)")
            #expect(deriver.decryptMetadata(aem, aemk: aemk, rpi: single) == metadata.rawValue)
        }
    }
}
