import ArgumentParser
import ContactStore
import ExposureNotification
import Foundation

/// `bleagent store stats`: days held, sightings and RPIs per day, size, dropped counts, oldest record.
struct StoreStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show what the contact store holds: days, sightings, distinct RPIs, drops, size, age.",
        discussion: """
        Reads the per-hour counts the store keeps in the clear, so it needs neither the store's key \
        nor the daemon to be stopped. Records are forgotten 14 days after they were made; the oldest \
        record's age never exceeds 14 days + 1 hour + the expiry period (10 minutes in the daemon). \
        "Dropped" counts new RPIs refused because a day reached its cap (a flood of random beacons). \
        Creates nothing: exit code 66 when there is no store, 77 when this user may not read it.
        """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        struct Day: Encodable {
            var date: String
            var sightings: Int
            var rpis: Int
            var dropped: Int
        }

        var stateDirectory: String
        var days: [Day]
        var sightings: Int
        var dropped: Int
        var sizeOnDiskBytes: Int
        var oldestRecordAgeSeconds: Int64?
        var hoursHeld: Int
    }

    func run() async throws {
        try await reportingErrors {
            let directory = try state.directory()
            let now = Int64(Date().timeIntervalSince1970)
            let statistics: StoreStatistics
            do throws(StoreError) {
                statistics = try ContactStore.statistics(of: directory, now: now)
            } catch {
                throw error.cliError
            }
            let report = Report(stateDirectory: directory.path,
                                days: statistics.days.map { .init(date: $0.day.iso8601, sightings: $0.sightings, rpis: $0.rpis, dropped: $0.dropped) },
                                sightings: statistics.totalSightings, dropped: statistics.totalDropped,
                                sizeOnDiskBytes: statistics.sizeOnDisk, oldestRecordAgeSeconds: statistics.oldestRecordAge,
                                hoursHeld: statistics.epochsHeld)
            if output.json {
                try Output.json(report)
                return
            }
            Output.line("State directory:  \(directory.path)")
            Output.line("Size on disk:     \(Self.bytes(statistics.sizeOnDisk))")
            Output.line("Sightings:        \(statistics.totalSightings) over \(statistics.days.count) day\(statistics.days.count == 1 ? "" : "s")")
            Output.line("Dropped (cap):    \(statistics.totalDropped)")
            Output.line("Oldest record:    \(statistics.oldestRecordAge.map(Self.age) ?? "-")")
            guard !statistics.days.isEmpty else { return }
            Output.line()
            Output.table([["DATE", "SIGHTINGS", "RPIS", "DROPPED"]] + statistics.days.map {
                [$0.day.iso8601, "\($0.sightings)", "\($0.rpis)", "\($0.dropped)"]
            })
        }
    }

    static func bytes(_ count: Int) -> String {
        count < 1 << 20 ? String(format: "%.1f KiB", Double(count) / 1024) : String(format: "%.1f MiB", Double(count) / 1_048_576)
    }

    static func age(_ seconds: Int64) -> String {
        let days = seconds / 86_400, hours = (seconds % 86_400) / 3600, minutes = (seconds % 3600) / 60
        return days > 0 ? "\(days) d \(hours) h" : hours > 0 ? "\(hours) h \(minutes) min" : "\(minutes) min"
    }
}
