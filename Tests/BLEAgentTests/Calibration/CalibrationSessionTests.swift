@testable import BLEAgent
import ExposureNotification
import Testing

struct CalibrationSessionTests {
    let interval = ENIntervalNumber(rawValue: 2_950_000)

    @Test func bothDevicesDeriveTheSameTwoKeysFromTheName() {
        let a = CalibrationSession(name: "bench-1"), b = CalibrationSession(name: "bench-1")
        #expect(a.key(for: .reference) == b.key(for: .reference))
        #expect(a.key(for: .reference) != a.key(for: .subject))
        #expect(a.key(for: .subject) != CalibrationSession(name: "bench-2").key(for: .subject))
    }

    @Test func anAdvertCarriesTxPowerAndWhatItsSenderHeard() {
        let session = CalibrationSession(name: "bench-1"), deriver = IdentifierDeriver()
        let advert = session.advertisement(.reference, interval: interval, metadata: .init(txPower: -24, heard: -61), deriver: deriver)
        #expect(session.read(advert, from: .reference, deriver: deriver) == .init(txPower: -24, heard: -61))
        let early = session.advertisement(.subject, interval: interval, metadata: .init(txPower: 5, heard: nil), deriver: deriver)
        #expect(session.read(early, from: .subject, deriver: deriver) == .init(txPower: 5, heard: nil))
        // It is still valid GAEN metadata (version 1.0, TX power) for any other receiver.
        let aemk = deriver.keys(for: session.key(for: .reference)).aemk
        let metadata = try? AssociatedMetadata(decoding: deriver.decryptMetadata(advert.aem, aemk: aemk, rpi: advert.rpi))
        #expect(metadata?.txPower == -24)
    }

    @Test func strangersAndTheOtherRoleAreNotRead() {
        let session = CalibrationSession(name: "bench-1"), deriver = IdentifierDeriver()
        let subject = session.advertisement(.subject, interval: interval, metadata: .init(txPower: 0, heard: -50), deriver: deriver)
        #expect(deriver.interval(of: subject.rpi, rpik: deriver.keys(for: session.key(for: .reference)).rpik) == nil)
        #expect(deriver.interval(of: subject.rpi, rpik: deriver.keys(for: session.key(for: .subject)).rpik) == interval)
        // An ordinary GAEN advert (no marker) is not a calibration advert even under the right key.
        let plain = deriver.advertisement(tek: session.key(for: .subject), at: interval, txPower: 0)
        #expect(session.read(plain, from: .subject, deriver: deriver) == nil)
    }
}
