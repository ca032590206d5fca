@testable import BlueZ
import ExposureNotification
import Testing

/// The schedule as a pure state machine: no clock, no bus.
struct RadioScheduleTests {
    /// 2026-01-01 00:00:30 UTC, 30 s into an interval.
    let start = 1_767_225_630.0

    /// Drives a schedule whose actions always succeed at once, recording what it did.
    struct Driver {
        var schedule = RadioSchedule(configuration: .init(scanWindow: 4, scanPeriod: 240))
        var log: [RadioSchedule.Action] = []
        var discovering = false
        var registered: ENIntervalNumber?
        var rotationsDuringDiscovery = 0

        mutating func send(_ event: RadioSchedule.Event) {
            var pending = schedule.handle(event)
            while !pending.isEmpty {
                let action = pending.removeFirst()
                log.append(action)
                switch action {
                case .register(let interval):
                    if discovering { rotationsDuringDiscovery += 1 }
                    registered = interval
                    pending += schedule.handle(.registered(interval: interval))
                case .unregister:
                    if discovering { rotationsDuringDiscovery += 1 }
                    registered = nil
                    pending += schedule.handle(.unregistered)
                case .startDiscovery:
                    discovering = true
                    pending += schedule.handle(.discoveryStarted)
                case .stopDiscovery:
                    discovering = false
                    pending += schedule.handle(.discoveryStopped)
                case .closeScanWindow, .discardScanWindow:
                    break
                }
            }
        }

        mutating func run(from: Double, to: Double, step: Double = 0.25) {
            var time = from
            while time <= to {
                send(.tick(time))
                time += step
            }
        }
    }

    @Test func advertisesAtOnceAndScansInWindows() {
        var driver = Driver()
        driver.send(.tick(start))
        driver.send(.adapterAvailable(powered: true, discoverable: false))
        #expect(driver.registered == ENIntervalNumber(unixSeconds: Int64(start)))
        #expect(driver.discovering)
        driver.run(from: start, to: start + 3)
        #expect(driver.discovering)
        driver.run(from: start + 3, to: start + 5)
        #expect(!driver.discovering)
        #expect(driver.log.filter { $0 == .closeScanWindow }.count == 1)
        driver.run(from: start + 5, to: start + 245)
        #expect(driver.log.filter { $0 == .closeScanWindow }.count == 2)
    }

    /// The times of the registrations in `driver`'s run (recorded by ticking and logging).
    static func rotations(seed: UInt64, from start: Double, hours: Double) -> (times: [Double], intervals: [ENIntervalNumber], duringDiscovery: Int, log: [RadioSchedule.Action]) {
        var driver = Driver()
        driver.schedule = RadioSchedule(configuration: .init(scanWindow: 4, scanPeriod: 20), seed: seed)
        driver.send(.tick(start))
        driver.send(.adapterAvailable(powered: true, discoverable: false))
        var times: [Double] = [start], intervals: [ENIntervalNumber] = driver.registered.map { [$0] } ?? []
        var time = start
        while time <= start + hours * 3_600 {
            let before = driver.log.count
            driver.send(.tick(time))
            for action in driver.log[before...] {
                if case .register(let interval) = action { times.append(time); intervals.append(interval) }
            }
            time += 0.25
        }
        return (times, intervals, driver.rotationsDuringDiscovery, driver.log)
    }

    @Test func rotatesOnARandomPeriodOfTenToTwentyMinutesAndNeverDuringDiscovery() {
        let run = Self.rotations(seed: 7, from: start, hours: 24)
        let periods = zip(run.times, run.times.dropFirst()).map { $1 - $0 }
        let mean = periods.reduce(0, +) / Double(periods.count)
        print("24 h: \(run.intervals.count) identifiers, periods \(Int(periods.min() ?? 0))–\(Int(periods.max() ?? 0)) s, mean \(Int(mean)) s")
        #expect(periods.allSatisfy { $0 >= 600 && $0 <= 1_201 })
        #expect(abs(mean - 900) < 60)
        #expect(Set(periods.map { Int($0 / 100) }).count >= 5, "the periods do not vary")
        // Each identifier is that of the interval its period begins in.
        #expect(zip(run.times, run.intervals).allSatisfy { ENIntervalNumber(unixSeconds: Int64($0.0)) == $0.1 })
        #expect(run.duringDiscovery == 0)
        // Each registration after the first follows the unregistration of the previous advert.
        let changes = run.log.filter { if case .register = $0 { true } else { $0 == .unregister } }
        #expect(zip(changes, changes.dropFirst()).allSatisfy { pair in
            if case .register = pair.1 { return pair.0 == .unregister } else { return true }
        })
    }

    @Test func twoAgentsStartedTogetherDoNotRotateInLockstep() {
        let first = Self.rotations(seed: 1, from: start, hours: 3), second = Self.rotations(seed: 2, from: start, hours: 3)
        let shared = Set(first.times.dropFirst()).intersection(second.times.dropFirst())
        #expect(shared.isEmpty, "\(shared.count) rotations at the same moment")
    }

    @Test func aRotationDuringAScanWindowStopsAndResumesIt() {
        // Find a rotation that fell inside a scan window: discovery was stopped for it and started again.
        let run = Self.rotations(seed: 3, from: start, hours: 6)
        var resumed = 0
        for (index, action) in run.log.enumerated() where index >= 1 && index + 2 < run.log.count && action == .unregister {
            guard run.log[index - 1] == .stopDiscovery else { continue }
            if case .register = run.log[index + 1], run.log[index + 2] == .startDiscovery { resumed += 1 }
        }
        #expect(resumed >= 1)
        #expect(run.duringDiscovery == 0)
    }

    @Test func failedRegistrationsAreRetriedWithBackoffAndReported() {
        var schedule = RadioSchedule(configuration: .init(scanWindow: 4, scanPeriod: 240, retryDelay: 1, maximumRetryDelay: 8))
        _ = schedule.handle(.tick(start))
        var actions = schedule.handle(.adapterAvailable(powered: true, discoverable: false))
        #expect(actions.first == .register(interval: ENIntervalNumber(rawValue: 2_945_376)))
        actions = schedule.handle(.registrationFailed("org.bluez.Error.Failed"))
        #expect(schedule.quietReason == .failing)
        #expect(schedule.lastError == "org.bluez.Error.Failed")
        // Meanwhile it scans (listening does not wait for the advert).
        #expect(actions == [.startDiscovery])
        _ = schedule.handle(.discoveryStarted)
        #expect(schedule.handle(.tick(start + 0.5)).isEmpty)
        // At the retry it stops discovery first, then registers.
        #expect(schedule.handle(.tick(start + 1)) == [.stopDiscovery])
        #expect(schedule.handle(.discoveryStopped) == [.register(interval: ENIntervalNumber(rawValue: 2_945_376))])
        _ = schedule.handle(.registrationFailed("again"))
        #expect(schedule.retryAt == start + 1 + 2)
        _ = schedule.handle(.registrationFailed("again"))
        _ = schedule.handle(.registrationFailed("again"))
        _ = schedule.handle(.registrationFailed("again"))
        #expect(schedule.retryAt == start + 1 + 8)   // capped
        _ = schedule.handle(.registered(interval: ENIntervalNumber(rawValue: 2_945_376)))
        #expect(schedule.quietReason == nil && schedule.lastError == nil)
    }

    @Test func eachFailureIsClearedByItsOwnSuccess() {
        var schedule = RadioSchedule(configuration: .init(scanWindow: 4, scanPeriod: 240, retryDelay: 1, maximumRetryDelay: 8))
        _ = schedule.handle(.tick(start))
        _ = schedule.handle(.adapterAvailable(powered: true, discoverable: false))
        _ = schedule.handle(.registered(interval: ENIntervalNumber(rawValue: 2_945_376)))
        _ = schedule.handle(.discoveryFailed("org.bluez.Error.InProgress"))
        #expect(schedule.lastError == "org.bluez.Error.InProgress" && schedule.quietReason == nil, "a scan failure does not silence the advert")
        _ = schedule.handle(.registrationFailed("org.bluez.Error.Failed"))
        _ = schedule.handle(.discoveryStarted)
        #expect(schedule.lastError == "org.bluez.Error.Failed", "a working scan does not hide a failing advert")
        _ = schedule.handle(.registered(interval: ENIntervalNumber(rawValue: 2_945_376)))
        #expect(schedule.lastError == nil)
    }

    @Test func discoverableOrPrivacySuspendsAdvertising() {
        var driver = Driver()
        driver.send(.tick(start))
        driver.send(.adapterAvailable(powered: true, discoverable: true))
        #expect(driver.registered == nil)
        #expect(driver.schedule.quietReason == .discoverable)
        driver.run(from: start, to: start + 10)
        driver.send(.discoverable(false))
        driver.run(from: start + 10, to: start + 11)
        #expect(driver.registered != nil)
        driver.send(.privacy(true))
        driver.run(from: start + 11, to: start + 12)
        #expect(driver.registered == nil)
        #expect(driver.schedule.quietReason == .privacy)
    }

    @Test func powerOffRecordsNothingAndPowerOnSetsUpAgain() {
        var driver = Driver()
        driver.send(.tick(start))
        driver.send(.adapterAvailable(powered: true, discoverable: false))
        driver.log.removeAll()
        driver.send(.powered(false))
        #expect(driver.log == [.discardScanWindow, .unregister])
        #expect(driver.schedule.quietReason == .poweredOff)
        driver.log.removeAll()
        driver.run(from: start + 1, to: start + 500)
        #expect(driver.log.isEmpty)
        driver.send(.powered(true))
        #expect(driver.log.contains(.register(interval: ENIntervalNumber(unixSeconds: Int64(start + 500))!)))
        #expect(driver.log.contains(.startDiscovery))
    }

    @Test func bluetoothdGoneAndBack() {
        var driver = Driver()
        driver.send(.tick(start))
        driver.send(.adapterAvailable(powered: true, discoverable: false))
        driver.send(.adapterGone)
        #expect(driver.schedule.quietReason == .adapterMissing)
        #expect(driver.schedule.nextDeadline == nil)
        driver.log.removeAll()
        driver.discovering = false
        driver.send(.adapterAvailable(powered: true, discoverable: false))
        #expect(driver.log.first.map { if case .register = $0 { true } else { false } } == true)
        #expect(driver.discovering)
    }
}

struct ScanWindowTests {
    func payload(_ byte: UInt8) -> AdvertisementPayload {
        AdvertisementPayload(rpi: RollingProximityIdentifier(Block16(lo: UInt64(byte), hi: 0)), aem: AssociatedEncryptedMetadata(rawValue: UInt32(byte)))
    }

    @Test func oneSightingPerRPIWithMaxAndMean() {
        var window = ScanWindow(adapter: 2, defaultSpan: 240)
        window.report(payload(1), rssi: -50)   // ignored: no window open
        window.open(at: 1000)
        window.report(payload(1), rssi: -50)
        window.report(payload(1), rssi: -60)
        window.report(payload(1), rssi: -61)
        window.report(payload(2), rssi: -80)
        let first = window.close()
        #expect(first.count == 2)
        #expect(first[0].rpi == payload(1).rpi && first[0].rssiMax == -50 && first[0].rssiMean == -57)
        #expect(first[0].secondsSinceLastScan == 240 && first[0].time == 1000 && first[0].adapter == 2)
        window.open(at: 1230)
        window.report(payload(3), rssi: -70)
        #expect(window.close().first?.secondsSinceLastScan == 230)
        window.open(at: 1470)
        window.report(payload(4), rssi: -70)
        window.discard()
        #expect(window.close().isEmpty)
        window.open(at: 1700)
        #expect(window.close().isEmpty)
    }

    @Test func packetsAreKeptOnlyWhenAsked() {
        var keeping = ScanWindow(adapter: 0, defaultSpan: 240, keepsPackets: true)
        var plain = ScanWindow(adapter: 0, defaultSpan: 240)
        for index in [0, 1] {
            var window = index == 0 ? keeping : plain
            window.open(at: 1000)
            for rssi in [-50, -61, -200] { window.report(payload(1), rssi: rssi) }   // clamped to −127, as stored
            let detailed = window.closeKeepingPackets()
            #expect(detailed.map(\.sighting) == [Sighting(rpi: payload(1).rpi, aem: payload(1).aem, time: 1000, rssiMax: -50,
                                                          rssiMean: -79, secondsSinceLastScan: 240)])
            #expect(detailed.first?.rssiPackets == (index == 0 ? [-50, -61, -127] : []))
            if index == 0 { keeping = window } else { plain = window }
        }
    }

    @Test func aWindowAfterALongGapStandsForTwoScanPeriodsAtMost() {
        var window = ScanWindow(adapter: 0, defaultSpan: 240)
        window.open(at: 0)
        _ = window.close()
        window.open(at: 3_600)   // an hour later: the machine was suspended
        window.report(payload(1), rssi: -50)
        #expect(window.close().first?.secondsSinceLastScan == 480)
        window.open(at: 3_900)
        window.report(payload(1), rssi: -50)
        #expect(window.close().first?.secondsSinceLastScan == 300)
    }
}
