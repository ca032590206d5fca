import Dispatch
import Foundation
import Synchronization

/// Matches diagnosis-key files against the stored sightings, on all cores.
///
/// Each thread takes the next file, computes its SHA-256 (skipping files already processed),
/// inflates export.bin in 64 KiB chunks, hashes and decodes each chunk as it comes, and for every
/// key derives the RPIK (one HKDF) and its RPIs (one AES-ECB call over the key's blocks), then
/// probes the day partitions of the `SightingIndex`. Only keys that hit are kept, with their
/// sightings, once per key, and at most `Limits.maximumMatchedKeys` of them.
///
/// Under `.requireValid` a file's signature is checked in a first pass (inflate, hash, decode,
/// no crypto per key) and a file that fails it is refused before any key is derived: an unsigned
/// or forged file costs one read, not the matching. Memory: the index, plus one file and a few
/// buffers per thread.
public struct Matcher: Sendable {
    public let index: SightingIndex
    public var keyring: VerificationKeyring
    public var policy: SignaturePolicy
    public var limits: ExportFile.Limits

    public init(index: SightingIndex, keyring: VerificationKeyring, policy: SignaturePolicy,
                limits: ExportFile.Limits = .default) {
        self.index = index
        self.keyring = keyring
        self.policy = policy
        self.limits = limits
    }

    /// Matches `sources`, skipping files whose digest is in `alreadyProcessed`. `workers` defaults to
    /// the number of active cores (never more threads than files). Blocks the calling thread: call it
    /// from a thread of your own, not from Swift's cooperative pool.
    public func match(_ sources: [ExportSource], alreadyProcessed: Set<FileDigest> = [], workers: Int? = nil) -> MatchReport {
        let threads = max(1, min(workers ?? ProcessInfo.processInfo.activeProcessorCount, sources.count))
        let run = Run(sources: sources, seen: alreadyProcessed)
        if threads == 1 {
            work(run)
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in work(run) }
        }
        return run.report(workers: threads)
    }

    /// Shared state of one run: the next file to take, digests seen, results.
    private final class Run: Sendable {
        let sources: [ExportSource]
        let next = Atomic<Int>(0)
        let state: Mutex<State>

        struct State {
            var seen: Set<FileDigest>
            var outcomes: [(Int, MatchReport.FileOutcome, [KeyMatch])] = []
            var timings = StageTimings()
        }

        init(sources: [ExportSource], seen: Set<FileDigest>) {
            self.sources = sources
            state = Mutex(State(seen: seen))
        }

        /// Claims `digest` for this run; false if it was processed before or is being processed now.
        func claim(_ digest: FileDigest) -> Bool {
            state.withLock { $0.seen.insert(digest).inserted }
        }

        func report(workers: Int) -> MatchReport {
            state.withLock { state in
                let sorted = state.outcomes.sorted { $0.0 < $1.0 }
                return MatchReport(files: sorted.map(\.1), matches: sorted.flatMap(\.2), timings: state.timings, workers: workers)
            }
        }
    }

    private func work(_ run: Run) {
        let deriver = IdentifierDeriver()
        let inflater = RawInflater()
        var probe = KeyProbe(index: index, deriver: deriver, maximumMatchedKeys: limits.maximumMatchedKeys)
        defer { probe.release() }
        var timings = StageTimings()
        var results: [(Int, MatchReport.FileOutcome, [KeyMatch])] = []
        while true {
            let position = run.next.add(1, ordering: .relaxed).oldValue
            guard position < run.sources.count else { break }
            let source = run.sources[position]
            results.append((position, matchFile(source, run: run, probe: &probe, inflater: inflater, timings: &timings), probe.takeMatches()))
        }
        run.state.withLock { state in
            state.outcomes.append(contentsOf: results)
            state.timings.add(timings)
        }
    }

    private func matchFile(_ source: ExportSource, run: Run, probe: inout KeyProbe, inflater: RawInflater,
                           timings: inout StageTimings) -> MatchReport.FileOutcome {
        var outcome = MatchReport.FileOutcome(name: source.name, digest: nil, status: .matched, refusal: nil, header: nil, signature: nil,
                                              keys: 0, warnings: KeyWarningCounts(), matchedKeys: 0, duplicateKeys: 0)
        let container: ExportContainer
        do {
            container = try source.load()
        } catch {
            outcome.status = .rejected("could not load: \(error)")
            outcome.refusal = .unavailable
            return outcome
        }
        let hashStart = monotonicNanoseconds()
        let digest: FileDigest
        switch container {
        case .zip(let data): digest = FileDigest.of(data)
        case .bare(let exportBin, _): digest = FileDigest.of(exportBin)
        }
        timings.verifyNanoseconds += monotonicNanoseconds() - hashStart
        outcome.digest = digest
        guard run.claim(digest) else {
            outcome.status = .alreadyProcessed
            return outcome
        }
        if policy == .requireValid {
            let checkStart = monotonicNanoseconds()
            var ignore = IgnoredKeys()
            var unusedTimings = StageTimings()
            let verdict: SignatureVerdict
            do {
                verdict = try ExportReader.stream(container, limits: limits, inflater: inflater, fileDigest: digest,
                                                  timings: &unusedTimings, into: &ignore).verdict(keyring: keyring)
            } catch {
                outcome.status = .rejected("\(error)")
                outcome.refusal = .malformed
                return outcome
            }
            timings.verifyNanoseconds += monotonicNanoseconds() - checkStart
            guard policy.accepts(verdict) else {
                outcome.signature = verdict
                outcome.refuseSignature(verdict)
                return outcome
            }
        }
        probe.resetCounters()
        let deriveBefore = probe.deriveNanoseconds, probeBefore = probe.probeNanoseconds
        let result: ExportReader.StreamResult
        do {
            result = try ExportReader.stream(container, limits: limits, inflater: inflater, fileDigest: digest,
                                             timings: &timings, into: &probe)
        } catch {
            _ = probe.takeMatches()
            outcome.status = .rejected("\(error)")
            outcome.refusal = .malformed
            return outcome
        }
        // Work the sink did inside the decoder's calls is derive/probe time, not decoding.
        let insideDecode = (probe.deriveNanoseconds - deriveBefore) + (probe.probeNanoseconds - probeBefore)
        timings.decodeNanoseconds -= min(timings.decodeNanoseconds, insideDecode)
        probe.flush()
        timings.deriveNanoseconds += probe.deriveNanoseconds - deriveBefore
        timings.probeNanoseconds += probe.probeNanoseconds - probeBefore

        let verifyStart = monotonicNanoseconds()
        let verdict = result.verdict(keyring: keyring)
        timings.verifyNanoseconds += monotonicNanoseconds() - verifyStart
        outcome.header = result.header
        outcome.signature = verdict
        outcome.keys = result.records
        outcome.warnings = result.warnings
        outcome.duplicateKeys = probe.duplicateKeys
        guard !probe.tooManyMatches else {
            _ = probe.takeMatches()
            outcome.status = .rejected("more than \(limits.maximumMatchedKeys) of its keys match the sightings held: not a credible key file")
            outcome.refusal = .malformed
            return outcome
        }
        guard policy.accepts(verdict) else {
            _ = probe.takeMatches()
            outcome.refuseSignature(verdict)
            return outcome
        }
        // Keys whose every hit carried impossible metadata are reported, but did not match.
        outcome.matchedKeys = probe.matches.count { !$0.hits.isEmpty }
        return outcome
    }
}

extension MatchReport.FileOutcome {
    /// The file is refused because `verdict` is not accepted (by either pass).
    mutating func refuseSignature(_ verdict: SignatureVerdict) {
        status = .rejected("signature \(verdict.status.rawValue): \(verdict.reason ?? "not accepted")")
        refusal = .signature
    }
}

/// The first pass's sink: the keys are read (the decoder checks them) and dropped.
private struct IgnoredKeys: ExportKeySink {
    mutating func consume(_ key: TemporaryExposureKey, revised: Bool) {}
}
