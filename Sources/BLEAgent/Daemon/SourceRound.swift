import ContactStore
import ExposureNotification
import Foundation

/// One key source's part of a download round: the files its index lists past the saved position,
/// fetched in order until one could not be, and how far that position may move once they have been
/// matched. Pure: the daemon fetches and matches; this decides what is remembered.
///
/// The position moves past every file that was matched (or had been before: the processed-files
/// cache), and stops before the first file that was refused (bad signature, unreadable) or could not
/// be fetched, so that file is tried again in the next round, with backoff, and the error stays in
/// status until it goes away. Files after it that were matched are not matched again: the cache
/// knows their digests.
struct SourceRound: Sendable {
    struct Fetched: Sendable {
        var entry: KeyFileIndex.Entry
        /// Where the file was written (the round's download directory).
        var path: String
    }

    var source: String
    var start: DownloadState
    /// Fetched files, in the index's order.
    var files: [Fetched] = []
    /// Why fetching stopped early (the index, or the file after the last in `files`).
    var failure: String?
    /// The entry fetching stopped at, if it stopped at a file.
    var stoppedAt: KeyFileIndex.Entry?

    init(source: String, start: DownloadState) {
        self.source = source
        self.start = start
    }

    /// The entries of `index` not yet processed according to `start`, oldest first.
    /// A saved position the index can no longer pass (a `created` after now + 1 day, saved by a
    /// version that took any value) is dropped: the source is listed from the start again, and
    /// files already processed are recognised by their digest and not matched twice.
    static func sane(_ state: DownloadState, now: Int64) -> DownloadState {
        var state = state
        if let created = state.lastCreated, created > KeyFileIndex.latestCreated(now: now) {
            state.lastCreated = nil
        }
        return state
    }

    static func pending(_ entries: [KeyFileIndex.Entry], after start: DownloadState) -> [KeyFileIndex.Entry] {
        if let last = start.lastIndexLine, let position = entries.firstIndex(where: { $0.line == last }) {
            return Array(entries[(position + 1)...])
        }
        guard let created = start.lastCreated else { return entries }
        return entries.filter { ($0.created ?? 0) > created }   // an entry without `created` is read once
    }

    /// The position to save and the errors to report, given what the matcher did with `files`
    /// (`outcomes[i]` belongs to `files[i]`).
    func finish(outcomes: [MatchReport.FileOutcome.Status], now: Int64) -> (state: DownloadState, errors: [String]) {
        var state = start
        var errors: [String] = []
        var stop: KeyFileIndex.Entry?
        for (file, outcome) in zip(files, outcomes) {
            if case .rejected(let why) = outcome {
                errors.append("\(file.entry.url.absoluteString) refused: \(why)")
                stop = stop ?? file.entry
                continue
            }
            guard stop == nil else { continue }
            if let created = file.entry.created { state.lastCreated = max(state.lastCreated ?? created, created) }
            if let line = file.entry.line { state.lastIndexLine = line }
        }
        if outcomes.count < files.count {
            errors.append("\(files.count - outcomes.count) fetched files were not matched")
            stop = stop ?? files[outcomes.count].entry
        }
        // Fetching stopped after the last fetched file: that entry is where the next round begins.
        stop = stop ?? stoppedAt
        // Files sharing the stopping file's `created` must be listed again: stay just below it.
        if let created = stop?.created, let saved = state.lastCreated, saved >= created {
            state.lastCreated = created > Int64.min ? created - 1 : nil
        }
        if let failure { errors.append(failure) }
        if errors.isEmpty { state.lastSuccessAt = now }
        return (state, errors.map { "\(source): \($0)" })
    }
}
