import ExposureNotification
import Foundation
import Testing

/// Every public fixture gives the facts its README states (checked there with an independent parser).
@Suite(.enabled(if: Fixtures.available, Fixtures.absentMessage))
struct ExportFixtureTests {
    func zip(_ name: String, keyring: VerificationKeyring = VerificationKeyring()) throws -> ExportFile {
        try ExportReader.read(.zip(try Fixtures.data("exports/\(name)")), keyring: keyring)
    }

    func pem(_ name: String, id: String? = nil, version: String? = nil) throws -> VerificationKeyring {
        VerificationKeyring([try .init(id: id, version: version, pem: try Fixtures.text("exports/\(name)"))])
    }

    @Test func googleSignedSample() throws {
        let file = try zip("google-sample-us-310.zip", keyring: try pem("google-310-v1-public.pem", id: "310", version: "v1"))
        #expect(file.header.region == "US")
        #expect(file.keys.count == 140)
        #expect(file.keys.allSatisfy { $0.rollingPeriod == 144 })
        #expect(Set(file.keys.compactMap(\.transmissionRiskLevel)) == Set(3...8))
        #expect(file.signature.status == .valid)
        #expect(file.signature.info?.verificationKeyID == "310")
        #expect(file.signature.info?.verificationKeyVersion == "v1")
        #expect(file.signature.info?.signatureAlgorithm == "1.2.840.10045.4.3.2")
        #expect(file.warnings.isEmpty)
        #expect(file.keys.first?.keyData.description == "0003d60b188f19856e8b3dd29a0c463b")
        #expect(file.keys.first?.rollingStartIntervalNumber.rawValue == 2_653_920)
    }

    @Test func serverExampleWithTwoKeys() throws {
        let file = try zip("ens-example-2-keys.zip", keyring: try pem("ens-example-public.pem", id: "some_id", version: "1"))
        #expect(file.header.region == "US")
        #expect(file.keys.map(\.rollingPeriod).sorted() == [1, 114])
        #expect(Set(file.keys.compactMap(\.transmissionRiskLevel)) == [1, 8])
        #expect(file.signature.status == .valid)
        #expect(file.header.startTimestamp == 1_590_159_600 && file.header.endTimestamp == 1_590_246_000)
    }

    @Test func keyIDAndVersionSelectTheKey() throws {
        // The right PEM under the wrong id: nothing to check with, so unverified (not invalid).
        let wrongID = try zip("ens-example-2-keys.zip", keyring: try pem("ens-example-public.pem", id: "other", version: "1"))
        #expect(wrongID.signature.status == .unverified)
        // A key for this id/version that did not sign it: invalid.
        let wrongKey = try zip("ens-example-2-keys.zip", keyring: try pem("google-310-v1-public.pem", id: "some_id", version: "1"))
        #expect(wrongKey.signature.status == .invalid)
        // A wildcard key (no id/version) is tried on any signature.
        #expect(try zip("ens-example-2-keys.zip", keyring: try pem("ens-example-public.pem")).signature.status == .valid)
        #expect(try zip("ens-example-2-keys.zip").signature.status == .unverified)
    }

    @Test(arguments: [("cocoa-440-366.zip", 1, 2_659_248), ("cocoa-440-774.zip", 5, 2_660_544), ("cocoa-440-812.zip", 32, 2_662_560)])
    func cocoaProductionFiles(name: String, count: Int, firstStart: UInt32) throws {
        let file = try zip(name)
        #expect(file.header.region == "440")
        #expect(file.keys.count == count)
        #expect(file.keys.allSatisfy { $0.transmissionRiskLevel == 0 && $0.rollingPeriod == 144 })
        #expect(file.keys.first?.rollingStartIntervalNumber.rawValue == firstStart)
        // MHLW's key is not public: parsed, not verified; the deprecated SignatureInfo fields 1–2 are skipped.
        #expect(file.signature.status == .unverified)
        #expect(file.signature.info?.verificationKeyID == "440")
        #expect(file.header.signatureInfos.first?.verificationKeyVersion == "v1")
    }

    @Test func coronaWarnAppBareExport() throws {
        let file = try ExportReader.read(.bare(exportBin: try Fixtures.data("exports/cwa-de-262-export.bin"),
                                               signature: try Fixtures.data("exports/cwa-de-262-export.sig")))
        #expect(file.header.region == "DE")
        #expect(file.keys.count == 720)
        #expect(Set(file.keys.compactMap(\.transmissionRiskLevel)).isSubset(of: Set(1...8)))
        #expect(file.signature.status == .unverified)
        #expect(file.signature.info?.verificationKeyID == "262")
    }

    @Test func earlySampleWithFreeTextAlgorithm() throws {
        let anyKey = try pem("google-310-v1-public.pem")
        let file = try zip("google-early-2020-05.zip", keyring: anyKey)
        #expect(file.header.region == "US")
        #expect(file.keys.count == 110)
        #expect(file.keys.filter { $0.rollingPeriod == 144 }.count >= 1)
        #expect(file.keys.map(\.rollingPeriod).min() == 2)
        // Reported, not crashed on, and never "valid".
        #expect(file.signature.status == .unverified)
        #expect(file.signature.info?.signatureAlgorithm == "ECDSA p-256 SHA-256")
        #expect(file.signature.reason?.contains("ECDSA p-256 SHA-256") == true)
    }

    @Test func nativeParserTestFile() throws {
        let file = try ExportReader.read(.bare(exportBin: try Fixtures.data("exports/google-native-200-keys.bin"), signature: nil))
        #expect(file.header.region == "US")
        #expect(file.keys.count == 200)
        #expect(Set(file.keys.compactMap(\.transmissionRiskLevel)) == [0, 1, 2])
        #expect(file.signature.status == .unverified)
        #expect(file.warnings.isEmpty)
    }
}
