@testable import BLEAgent
import ContactStore
import ExposureNotification
import Foundation
import Testing

struct SourceRoundTests {
    func entry(_ number: Int, created: Int64? = nil, line: Bool = false) -> KeyFileIndex.Entry {
        let url = URL(string: "https://k.example.org/\(number).zip")!
        return KeyFileIndex.Entry(url: url, created: created ?? Int64(number) * 1000, line: line ? "\(number).zip" : nil)
    }

    func round(_ entries: [KeyFileIndex.Entry], start: DownloadState = DownloadState()) -> SourceRound {
        var round = SourceRound(source: "cocoa", start: start)
        round.files = entries.map { .init(entry: $0, path: "/nonexistent/\($0.url.lastPathComponent)") }
        return round
    }

    @Test func pendingEntriesFollowTheSavedPosition() {
        let listed = (1...4).map { entry($0) }
        #expect(SourceRound.pending(listed, after: DownloadState()).count == 4)
        #expect(SourceRound.pending(listed, after: DownloadState(lastCreated: 2000)).map(\.created) == [3000, 4000])
        let lines = (1...4).map { entry($0, line: true) }
        #expect(SourceRound.pending(lines, after: DownloadState(lastIndexLine: "3.zip")).map(\.line) == ["4.zip"])
        // A line no longer listed (the server dropped old files): everything again; the digest cache skips what was matched.
        #expect(SourceRound.pending(lines, after: DownloadState(lastIndexLine: "0.zip")).count == 4)
    }

    @Test func everythingMatchedMovesThePositionToTheEnd() {
        let (state, errors) = round((1...3).map { entry($0) }).finish(outcomes: [.matched, .alreadyProcessed, .matched], now: 77)
        #expect(errors.isEmpty)
        #expect(state.lastCreated == 3000 && state.lastSuccessAt == 77)
    }

    @Test func aRefusedFileStopsThePositionBeforeItAndIsReported() {
        let (state, errors) = round((1...3).map { entry($0) }).finish(outcomes: [.matched, .rejected("signature invalid"), .matched], now: 77)
        #expect(state.lastCreated == 1000, "the refused file and those after it are listed again next round")
        #expect(state.lastSuccessAt == nil)
        #expect(errors == ["cocoa: https://k.example.org/2.zip refused: signature invalid"])
    }

    @Test func aFileThatCouldNotBeFetchedIsTriedAgain() {
        var round = round([entry(1)], start: DownloadState(lastCreated: 500, lastSuccessAt: 10))
        round.stoppedAt = entry(2)
        round.failure = "https://k.example.org/2.zip: HTTP 503"
        let (state, errors) = round.finish(outcomes: [.matched], now: 77)
        #expect(state.lastCreated == 1000 && state.lastSuccessAt == 10)
        #expect(errors == ["cocoa: https://k.example.org/2.zip: HTTP 503"])
    }

    @Test func filesSharingTheStoppingFilesCreatedAreListedAgain() {
        let (state, _) = round([entry(1, created: 5000), entry(2, created: 5000)]).finish(outcomes: [.matched, .rejected("unreadable")], now: 1)
        #expect(state.lastCreated == 4999)
    }

    @Test func indexLinesStopBeforeARefusedFile() {
        let (state, _) = round((1...3).map { entry($0, line: true) }, start: DownloadState(lastIndexLine: "0.zip"))
            .finish(outcomes: [.matched, .matched, .rejected("no signature")], now: 1)
        #expect(state.lastIndexLine == "2.zip")
    }

    /// A position saved "in the future" (a hostile index, before `created` was checked) would stop
    /// every later download for good: it is dropped, and the source is listed from the start.
    @Test func aPositionInTheFutureIsDropped() {
        let now: Int64 = 1_772_366_400
        #expect(SourceRound.sane(DownloadState(lastCreated: Int64.max, lastSuccessAt: 5), now: now) == DownloadState(lastSuccessAt: 5))
        #expect(SourceRound.sane(DownloadState(lastCreated: now * 1000), now: now).lastCreated == now * 1000)
        // Stopping at a file created at Int64.min (a hostile index before the check) does not trap.
        let (state, _) = round([entry(1, created: Int64.min)], start: DownloadState(lastCreated: Int64.min))
            .finish(outcomes: [.rejected("unreadable")], now: 1)
        #expect(state.lastCreated == nil)
    }
}
