import ExposureNotification
import Foundation
import Testing

/// One flipped bit anywhere never leaves a signature valid: inside the signed bytes the verdict is
/// `invalid` (or the file no longer parses, with a clear error); in the signature it is `invalid`
/// or a clear error about export.sig.
@Suite(.enabled(if: Fixtures.available, Fixtures.absentMessage))
struct TamperTests {
    /// Parts of a signed fixture: its export.bin, export.sig and the keyring that verifies it.
    /// The keyring binds the PEM to the key id and version the key server publishes it under.
    func parts(_ zip: String, pem: String) throws -> (bin: Data, sig: Data, keyring: VerificationKeyring) {
        let archive = try Fixtures.data("exports/\(zip)")
        let entries = try ZipEntriesForTests.read(archive)
        let bin = try #require(entries["export.bin"])
        let sig = try #require(entries["export.sig"])
        let (id, version) = zip.hasPrefix("ens") ? ("some_id", "1") : ("310", "v1")
        return (bin, sig, VerificationKeyring([try .init(id: id, version: version, pem: try Fixtures.text("exports/\(pem)"))]))
    }

    func flipped(_ data: Data, bit: Int) -> Data {
        var copy = data
        copy[copy.startIndex + bit / 8] ^= UInt8(1 << (bit % 8))
        return copy
    }

    @Test(arguments: [("ens-example-2-keys.zip", "ens-example-public.pem"), ("google-sample-us-310.zip", "google-310-v1-public.pem")])
    func everyFlippedBitOfExportBin(zip: String, pem: String) throws {
        let (bin, sig, keyring) = try parts(zip, pem: pem)
        #expect(try ExportReader.read(.bare(exportBin: bin, signature: sig), keyring: keyring).signature.status == .valid)
        var invalid = 0, errors = 0
        for bit in 0..<(bin.count * 8) {
            do {
                let file = try ExportReader.read(.bare(exportBin: flipped(bin, bit: bit), signature: sig), keyring: keyring)
                #expect(file.signature.status == .invalid, "bit \(bit) of export.bin left the signature \(file.signature.status)")
                invalid += 1
            } catch {
                // A broken header or framing: a clear error, never a crash.
                #expect(!"\(error)".isEmpty)
                if bit < 128 { #expect(error == .badHeader) }
                errors += 1
            }
        }
        #expect(invalid > 0)
        #expect(errors > 0)
    }

    @Test(arguments: [("ens-example-2-keys.zip", "ens-example-public.pem"), ("google-sample-us-310.zip", "google-310-v1-public.pem")])
    func everyFlippedBitOfExportSig(zip: String, pem: String) throws {
        let (bin, sig, keyring) = try parts(zip, pem: pem)
        for bit in 0..<(sig.count * 8) {
            do {
                let file = try ExportReader.read(.bare(exportBin: bin, signature: flipped(sig, bit: bit)), keyring: keyring)
                // Flips in the key id/version/algorithm leave nothing to check with (unverified);
                // flips in the signature bytes or the (unsigned) batch fields make it invalid. Never valid.
                #expect(file.signature.status != .valid, "bit \(bit) of export.sig left the signature valid")
            } catch {
                guard case .malformedSignatureFile = error else {
                    Issue.record("bit \(bit) of export.sig: unexpected error \(error)")
                    continue
                }
            }
        }
    }

    @Test func flippedBitsOfTheZipNeverVerify() throws {
        let archive = try Fixtures.data("exports/ens-example-2-keys.zip")
        let keyring = VerificationKeyring([try .init(pem: try Fixtures.text("exports/ens-example-public.pem"))])
        for bit in 0..<(archive.count * 8) {
            if let file = try? ExportReader.read(.zip(flipped(archive, bit: bit)), keyring: keyring) {
                // Flips in the zip's own metadata (times, attributes) may leave the content intact.
                if file.signature.status == .valid {
                    #expect(file.keys.count == 2, "bit \(bit)")
                }
            }
        }
    }
}

/// Reads zip entries with an independent reader (ZIPFoundation) for the tests; valid files only.
import ZIPFoundation

enum ZipEntriesForTests {
    static func read(_ data: Data) throws -> [String: Data] {
        let archive = try Archive(data: data, accessMode: .read)
        var out: [String: Data] = [:]
        for entry in archive {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            out[entry.path] = bytes
        }
        return out
    }
}
