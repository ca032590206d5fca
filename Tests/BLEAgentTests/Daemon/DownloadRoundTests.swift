@testable import BLEAgent
import ContactStore
import ExposureNotification
import Foundation
import TestSupport
import Testing

/// A download round over a fake key server and a fake store: files are fetched in order, matched,
/// and the source's position saved only up to the last file that was fetched and accepted; a
/// cancelled round saves no position.
struct DownloadRoundTests {
    static let list = URL(string: "https://keys.example/c19/440/list.json")!

    /// File `n`'s `created`: minutes before the test's noon, in epoch milliseconds.
    static func created(_ n: Int64) -> Int64 { (ExposureCheckTests.noon - 3_600 + n * 60) * 1_000 }

    /// Serves `files` by URL and a list.json naming them; a URL in `failing` cannot be fetched.
    struct FakeServer: KeyFetcher {
        var files: [String: Data]
        var listing: [(name: String, created: Int64)]
        var failing: Set<String> = []

        struct Unreachable: Error, CustomStringConvertible {
            var url: String
            var description: String { "\(url): connection refused" }
        }

        func fetch(_ url: URL, maximumBytes: Int, timeout: Duration) async throws -> Data {
            if url == DownloadRoundTests.list {
                let entries = listing.map { #"{"region": "440", "url": "\#($0.name)", "created": \#($0.created)}"# }
                return Data(("[" + entries.joined(separator: ",") + "]").utf8)
            }
            guard !failing.contains(url.lastPathComponent), let data = files[url.lastPathComponent] else { throw Unreachable(url: url.absoluteString) }
            return data
        }

        func download(_ url: URL, to destination: String, maximumBytes: Int, timeout: Duration) async throws {
            try await fetch(url, maximumBytes: maximumBytes, timeout: timeout).write(to: URL(fileURLWithPath: destination))
        }
    }

    actor Notices {
        var days: [String] = []
        func add(_ day: ContactDayRecord) { days.append(day.day.iso8601) }
    }

    let downloads = TemporaryDirectory()

    func round(_ server: FakeServer, _ store: FakeStore, _ notices: Notices) -> DownloadRound {
        let check = ExposureCheck(store: store, keyring: VerificationKeyring(), policy: .allowUnverified, risk: .cocoa,
                                  notify: { day in await notices.add(day) })
        return DownloadRound(sources: [.init(name: "cocoa", kind: .listJSON(Self.list))], store: store, downloader: server,
                             check: check, maximumIndexBytes: 1 << 20, maximumFileBytes: 1 << 20,
                             downloadDirectory: downloads.path + "/downloads")
    }

    @Test func matchesWhatItFetchedAndStopsItsPositionBeforeAFileItCouldNotFetch() async throws {
        let (file, sightings) = try ExposureCheckTests.meeting()
        let empty = try ExportWriter.zip(entries: [("export.bin", try ExportWriter.exportBin(header: ExportFile.Header(region: "440"),
                                                                                          keys: [], signatureInfos: []))])
        var server = FakeServer(files: ["1.zip": file, "2.zip": empty, "3.zip": empty],
                                listing: [("1.zip", Self.created(1)), ("2.zip", Self.created(2)), ("3.zip", Self.created(3))], failing: ["2.zip"])
        let store = FakeStore(sightings: sightings)
        let notices = Notices()
        let now = Double(ExposureCheckTests.noon)
        let first = await round(server, store, notices).run(now: { now })
        #expect(first.files == 1 && first.matchedKeys == 1)
        #expect(first.newContactDays == [ExposureDay(unixSeconds: ExposureCheckTests.noon).iso8601])
        #expect(first.errors.count == 1 && first.errors[0].contains("2.zip"), "\(first.errors)")
        // The position stops after 1.zip: 2.zip (and 3.zip after it) are fetched next time.
        #expect(await store.positions["cocoa"]?.lastCreated == Self.created(1))
        #expect(await notices.days.count == 1)

        server.failing = []
        let second = await round(server, store, notices).run(now: { now + 600 })
        #expect(second.files == 2 && second.errors.isEmpty && second.newContactDays.isEmpty)
        #expect(await store.positions["cocoa"]?.lastCreated == Self.created(3))
        #expect(await notices.days.count == 1)
    }

    @Test func aCancelledRoundSavesNoPosition() async throws {
        let (file, sightings) = try ExposureCheckTests.meeting()
        let store = FakeStore(sightings: sightings)
        let work = round(FakeServer(files: ["1.zip": file], listing: [("1.zip", Self.created(1))]), store, Notices())
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await work.run(now: { Double(ExposureCheckTests.noon) })
        }
        let report = await task.value
        #expect(report.errors.contains { $0.contains("consent was withdrawn") }, "\(report.errors)")
        #expect(await store.positions.isEmpty)
        #expect(await store.writes == 0)
    }
}
