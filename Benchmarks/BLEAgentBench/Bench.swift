import Foundation

/// Measurement helpers for the benchmarks.
enum Bench {
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("bleagent-bench: \(message)\n".utf8))
        exit(1)
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Peak resident set size of this process, MiB (VmHWM).
    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Current resident set size, MiB (from /proc/self/statm).
    static func currentRSSMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// The machine's CPU steal ticks (time a hypervisor gave our virtual CPUs to others) and all
    /// ticks so far, from the first line of /proc/stat; nil where it cannot be read.
    static func stealAndTotalTicks() -> (steal: UInt64, total: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard fields.count >= 8 else { return nil }
        return (fields[7], fields.reduce(0, +))
    }

    /// `--name value` pairs, each handed to its setter; an unknown name stops the benchmark.
    static func parse(_ options: [String], _ setters: [String: (String) -> Void]) {
        var index = 0
        while index + 1 < options.count {
            guard let set = setters[options[index]] else { fail("unknown option \(options[index])") }
            set(options[index + 1])
            index += 2
        }
    }

    /// A notice when figures would mean nothing.
    static func warnIfDebug(_ verb: String) {
        #if DEBUG
        print("warning: a debug build; figures mean nothing. Use: swift run -c release bleagent-bench \(verb)")
        #endif
    }

    static func format(_ value: Double, _ decimals: Int = 2) -> String { String(format: "%.\(decimals)f", value) }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}

/// SplitMix64: fast, seedable, good enough for benchmark data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
