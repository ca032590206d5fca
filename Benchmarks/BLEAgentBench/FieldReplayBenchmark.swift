import ExposureNotification
import FieldTrials
import Foundation

/// `field replay mitll-ua` end to end: reading and parsing the 27 runs' 333 phone logs, then judging
/// every contact under the presets (and the leave-one-scenario-out tuning), best of `--repeat` runs.
enum FieldReplayBenchmark {
    static func run(options: [String]) {
        var root = ProcessInfo.processInfo.environment["BLEAGENT_FIELDDATA"] ?? "../shared/fielddata"
        var repeats = 5
        Bench.parse(options, ["--data-dir": { root = $0 }, "--repeat": { repeats = max(1, Int($0) ?? repeats) }])
        Bench.warnIfDebug("field-replay")
        let dataset = FieldDataset(root: URL(fileURLWithPath: root))
        var bestLoad = Double.infinity, bestReplay = Double.infinity
        var contacts = 0, runs = 0
        for _ in 0..<repeats {
            let started = Bench.now()
            let scenarios: [MITLLReplay.Scenario]
            do { scenarios = try dataset.mitllScenarios() } catch { Bench.fail("\(error)") }
            let loaded = Bench.now()
            let replay = FieldReplay.mitll(scenarios, configurations: RiskConfiguration.presets)
            let finished = Bench.now()
            bestLoad = min(bestLoad, loaded - started)
            bestReplay = min(bestReplay, finished - loaded)
            contacts = replay.cases.count
            runs = scenarios.reduce(0) { $0 + $1.runs.count }
        }
        print("field replay benchmark: MITLL-UA from \(root), best of \(repeats)")
        print("  read + parse: \(runs) runs in \(Bench.format(bestLoad * 1000, 1)) ms")
        print("  replay:       \(contacts) contacts × \(RiskConfiguration.presets.count) presets + leave-one-scenario-out tuning (41 lines) in \(Bench.format(bestReplay * 1000, 1)) ms")
        print("  total:        \(Bench.format((bestLoad + bestReplay) * 1000, 1)) ms; peak RSS \(Bench.format(Bench.peakRSSMiB(), 1)) MiB")
    }
}
