import ExposureNotification
import Foundation

/// The sightings in a btsnoop capture, made the way the agent makes them (`ScanWindow`): one per RPI
/// per scan instance, RSSI the rounded mean of its reports and `rssi_max` the strongest, stamped
/// with the instance's start, `seconds_since_last_scan` the time since the previous instance began
/// (the first counts as one scan period; none counts for more than two).
///
/// A capture does not say when scanning started and stopped, so scan instances are found from the
/// GAEN reports themselves, per controller: a new instance begins at the first report after a gap
/// of more than `scanGap` seconds (or after the clock stepped back). The agent scans 4 s every
/// 240 s, so the default 30 s separates its windows and never splits one. A scanner that never
/// stops (no gaps) gives one instance for the whole capture. The instance's time is its first GAEN
/// report, a moment after the agent's window opened. Pure.
public struct CaptureScans {
    public struct Configuration: Sendable, Hashable {
        /// Seconds without a GAEN report that end a scan instance.
        public var scanGap: Double
        /// The capturing scanner's scan period: what the first instance stands for, and half the
        /// most any instance stands for (the agent's `scan_period`, 240 s by default).
        public var scanPeriod: Double
        /// Keep every report's RSSI with its sighting.
        public var keepsPackets: Bool
        /// Only these controllers (hciN indexes); nil for all.
        public var controllers: Set<UInt16>?

        public init(scanGap: Double = 30, scanPeriod: Double = 240, keepsPackets: Bool = false, controllers: Set<UInt16>? = nil) {
            self.scanGap = scanGap
            self.scanPeriod = scanPeriod
            self.keepsPackets = keepsPackets
            self.controllers = controllers
        }
    }

    /// What was in the capture, for the person importing it (no identifiers).
    public struct Summary: Sendable, Hashable {
        public var records = 0
        public var advertisingReports = 0
        public var gaenReports = 0
        public var scanInstances = 0
        /// Controllers that reported GAEN adverts (whether or not selected).
        public var controllers: Set<UInt16> = []
        public var firstReport: Double?
        public var lastReport: Double?
    }

    private struct Instance {
        var window: ScanWindow
        var lastReport: Double
    }

    public let configuration: Configuration
    private var instances: [UInt16: Instance] = [:]
    private var closed: [ScanWindow.Detailed] = []
    public private(set) var summary = Summary()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Takes one GAEN report, in capture order.
    public mutating func add(_ payload: AdvertisementPayload, rssi: Int, at time: Double, controller: UInt16) {
        summary.gaenReports += 1
        summary.controllers.insert(controller)
        summary.firstReport = min(summary.firstReport ?? time, time)
        summary.lastReport = max(summary.lastReport ?? time, time)
        if let selected = configuration.controllers, !selected.contains(controller) { return }
        var instance = instances[controller]
            ?? Instance(window: ScanWindow(adapter: UInt8(clamping: controller), defaultSpan: configuration.scanPeriod,
                                           keepsPackets: configuration.keepsPackets), lastReport: time)
        if instance.window.isOpen, time - instance.lastReport > configuration.scanGap || time < instance.lastReport {
            closed += instance.window.closeKeepingPackets()
        }
        if !instance.window.isOpen {
            instance.window.open(at: time)
            summary.scanInstances += 1
        }
        instance.window.report(payload, rssi: rssi)
        instance.lastReport = time
        instances[controller] = instance
    }

    /// Closes the open instances; returns every sighting, ordered by time, then controller.
    public mutating func finish() -> [ScanWindow.Detailed] {
        for controller in instances.keys.sorted() {
            if var instance = instances[controller] {
                closed += instance.window.closeKeepingPackets()
                instances[controller] = instance
            }
        }
        let all = closed.enumerated().sorted { left, right in
            (left.element.sighting.time, left.element.sighting.adapter, left.offset)
                < (right.element.sighting.time, right.element.sighting.adapter, right.offset)
        }
        closed = []
        return all.map(\.element)
    }

    /// Reads a whole capture: its HCI events, their GAEN reports, grouped.
    public static func read(_ data: Data, configuration: Configuration = Configuration(),
                            maximumRecords: Int = 50_000_000) throws(BtsnoopError) -> (sightings: [ScanWindow.Detailed], summary: Summary) {
        var reader = try BtsnoopReader(data, maximumRecords: maximumRecords)
        var scans = CaptureScans(configuration: configuration)
        while let event = try reader.nextEvent() {
            let reports: [LEAdvertisingReport]
            do throws(BtsnoopError.Problem) {
                reports = try LEAdvertisingReport.reports(inEvent: event.bytes)
            } catch {
                throw BtsnoopError(error, record: event.record)
            }
            scans.summary.advertisingReports += reports.count
            for report in reports {
                guard let payload = report.exposureNotification else { continue }
                scans.add(payload, rssi: report.rssi, at: event.time, controller: event.controller)
            }
        }
        scans.summary.records = reader.records
        let sightings = scans.finish()
        return (sightings, scans.summary)
    }
}
