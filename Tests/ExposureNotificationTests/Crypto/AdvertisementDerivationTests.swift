import ExposureNotification
import Testing
import TestSupport

struct AdvertisementDerivationTests {
    @Test func theAdvertisementCarriesTheIntervalsRPIAndClampedMetadata() throws {
        var random = SeededGenerator(seed: 21)
        let deriver = IdentifierDeriver()
        let tek = Block16(lo: random.next(), hi: random.next())
        let interval = ENIntervalNumber(rawValue: 2_950_000)
        let keys = deriver.keys(for: tek)
        for (asked, carried): (Int8, Int8) in [(-8, -8), (12, 12), (20, 20), (21, 20), (127, 20), (-50, -50), (-51, -50), (-128, -50)] {
            let payload = deriver.advertisement(tek: tek, at: interval, txPower: asked)
            #expect(payload.rpi == deriver.identifier(for: tek, at: interval))
            let metadata = try AssociatedMetadata(decoding: deriver.decryptMetadata(payload.aem, aemk: keys.aemk, rpi: payload.rpi))
            #expect(metadata.txPower == carried, "asked \(asked)")
        }
    }
}
