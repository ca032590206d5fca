import ContactStore
import ExposureNotification
import Foundation

/// What a download round needs of the store beyond the exposure check: each source's position.
protocol DownloadStore: ExposureStore {
    func downloadState(source: String) async throws(StoreError) -> DownloadState?
    func saveDownloadState(_ record: DownloadState, source: String) async throws(StoreError)
}

extension ContactStore: DownloadStore {}

/// One download round: every source's new files fetched in order (`SourceRound` decides what is
/// pending and where each source's position ends up), matched and judged (`ExposureCheck`), the
/// positions saved. Each file is streamed to `downloadDirectory` as it arrives and read back by the
/// matcher one per thread, so a round's memory does not grow with the number or size of its files;
/// the files are removed when the round ends (and any a killed round left, when the next begins). It runs in a task of its own, which owns its cancellation: consent withdrawn
/// cancels the task and nothing after that point is written (the store it holds is wiped too, so a
/// write that slipped through would be refused).
struct DownloadRound: Sendable {
    let sources: [AgentConfiguration.KeySource]
    let store: any DownloadStore
    let downloader: any KeyFetcher
    let check: ExposureCheck
    let maximumIndexBytes: Int
    let maximumFileBytes: Int
    /// Where fetched files wait to be matched: public data, re-fetchable (systemd's `CacheDirectory=`).
    let downloadDirectory: String
    /// The longest one file may take to arrive whole, and the whole round's fetching (real time:
    /// a sped-up test clock does not shorten them).
    var fileTimeout: Duration = .seconds(120)
    var roundTimeout: Duration = .seconds(900)

    /// Runs the round; `now` is read when each step needs the time.
    func run(now: @Sendable () -> Double) async -> DownloadReport {
        var report = DownloadReport(files: 0, matchedKeys: 0, newContactDays: [], errors: [])
        var rounds: [SourceRound] = []
        let deadline = ContinuousClock.now + roundTimeout
        do {
            try DownloadDirectory.prepare(downloadDirectory)
        } catch {
            report.errors.append("\(error)")
            return report
        }
        defer { DownloadDirectory.empty(downloadDirectory) }
        var counter = 0
        for source in sources { rounds.append(await fetchNew(from: source, now: Int64(now()), deadline: deadline, counter: &counter)) }
        let files = rounds.flatMap { round in
            round.files.map { file in
                ExportSource(name: file.entry.url.absoluteString) { .zip(try Data(contentsOf: URL(fileURLWithPath: file.path))) }
            }
        }
        report.files = files.count
        do {
            try Task.checkCancellation()
            let outcome = try await check.run(files, now: Int64(now()))
            report.matchedKeys = outcome.matchedKeys
            report.newContactDays = outcome.newContactDays.map(\.day.iso8601)
            var outcomes = outcome.files[...]
            for source in rounds {
                let (state, errors) = source.finish(outcomes: Array(outcomes.prefix(source.files.count)), now: Int64(now()))
                outcomes = outcomes.dropFirst(source.files.count)
                try Task.checkCancellation()
                try await store.saveDownloadState(state, source: source.source)
                report.errors += errors
            }
        } catch is CancellationError {
            report.errors.append("consent was withdrawn during the round: its results were discarded")
        } catch {
            report.errors.append("\(error)")
        }
        return report
    }

    /// When a round last reached each source (nil: never, or its state cannot be read).
    static func lastSuccesses(of sources: [AgentConfiguration.KeySource], in store: any DownloadStore) async -> [Int64?] {
        var successes: [Int64?] = []
        for source in sources { successes.append((try? await store.downloadState(source: source.name))?.lastSuccessAt) }
        return successes
    }

    /// The files `source` lists past its saved position, fetched in order until one cannot be.
    /// How long the next fetch may take: the file's limit, or what is left of the round's.
    private func timeout(before deadline: ContinuousClock.Instant, what: URL) throws -> Duration {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { throw RoundTimeout(url: what, limit: roundTimeout) }
        return min(fileTimeout, left)
    }

    struct RoundTimeout: Error, CustomStringConvertible {
        var url: URL
        var limit: Duration
        var description: String { "\(url.absoluteString): not fetched: the round's \(limit.components.seconds) s were spent" }
    }

    private func fetchNew(from source: AgentConfiguration.KeySource, now: Int64, deadline: ContinuousClock.Instant,
                          counter: inout Int) async -> SourceRound {
        var round = SourceRound(source: source.name, start: DownloadState())
        do {
            round.start = SourceRound.sane(try await store.downloadState(source: source.name) ?? DownloadState(), now: now)
            let index = try await downloader.fetch(source.url, maximumBytes: maximumIndexBytes,
                                                   timeout: try timeout(before: deadline, what: source.url))
            let entries: [KeyFileIndex.Entry]
            switch source.kind {
            case .listJSON(let url): entries = try KeyFileIndex.parseListJSON(index, listURL: url, now: now)
            case .indexTXT(let url): entries = try KeyFileIndex.parseIndexTXT(index, indexURL: url)
            }
            for entry in SourceRound.pending(entries, after: round.start) {
                do {
                    let limit = try timeout(before: deadline, what: entry.url)
                    counter += 1
                    let path = "\(downloadDirectory)/\(counter).zip"
                    try await downloader.download(entry.url, to: path, maximumBytes: maximumFileBytes, timeout: limit)
                    round.files.append(.init(entry: entry, path: path))
                } catch {
                    round.stoppedAt = entry
                    throw error
                }
            }
        } catch {
            round.failure = "\(error)"
        }
        return round
    }
}

extension DownloadRound {
    /// The round the daemon runs: the configuration's sources, size limits and signing keys, and the
    /// risk model with this radio's RSSI correction.
    init(_ configuration: AgentConfiguration, risk: RiskConfiguration, store: any DownloadStore, downloader: any KeyFetcher, notifier: ContactNotifier) {
        let check = ExposureCheck(store: store, keyring: configuration.keyring, policy: configuration.signaturePolicy,
                                  risk: risk, notify: { day in await notifier.notify(day) })
        self.init(sources: configuration.sources, store: store, downloader: downloader, check: check,
                  maximumIndexBytes: configuration.maximumIndexBytes, maximumFileBytes: configuration.maximumFileBytes,
                  downloadDirectory: configuration.downloadDirectory(),
                  fileTimeout: .seconds(configuration.fileTimeoutSeconds), roundTimeout: .seconds(configuration.roundTimeoutSeconds))
    }
}
