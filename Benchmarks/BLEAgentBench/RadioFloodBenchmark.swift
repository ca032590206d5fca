import BlueZ
import DBus
import ExposureNotification
import Foundation
import TestSupport

/// How many sightings per second the radio agent turns PropertiesChanged floods into: a bluetoothd
/// stand-in — a child process of its own, so its CPU and memory are not counted as the agent's —
/// floods a private dbus-daemon with Device1 PropertiesChanged signals (RSSI + 0xFD6F service data,
/// as bluetoothd sends one per received advert with DuplicateData), each with an identifier of its
/// own (a flood of random RPIs, the worst case), at a given rate, while the agent opens and closes
/// scan windows of 1 s back to back; what comes out of the agent's sightings stream is counted.
enum RadioFloodBenchmark {
    /// The stand-in's root object: one powered adapter.
    final class Root: DBusExportedObject {
        func handle(_ call: DBusMessage) -> DBusReply {
            guard call.member == "GetManagedObjects" else { return .empty }
            let adapter = DBusValue.dictionary(keySignature: "s", valueSignature: "a{sv}", [
                .init(.string("org.bluez.Adapter1"), .properties(["Address": .string("00:11:22:33:44:55"), "Powered": .boolean(true),
                                                                   "Discoverable": .boolean(false)])),
                .init(.string("org.bluez.LEAdvertisingManager1"), .properties(["SupportedSecondaryChannels": .strings(["1M"])])),
            ])
            return .values([.dictionary(keySignature: "o", valueSignature: "a{sa{sv}}", [.init(.objectPath("/org/bluez/hci0"), adapter)])])
        }
    }

    /// The adapter: every method succeeds at once.
    final class Adapter: DBusExportedObject {
        func handle(_ call: DBusMessage) -> DBusReply { .empty }
    }

    static let devices = 1_000

    /// `bleagent-bench radio-flood-standin ADDRESS REPORTS RATE`: owns org.bluez, prints "ready",
    /// waits for a line on stdin, emits, prints "emitted SECONDS", exits when stdin closes.
    static func standIn(options: [String]) async {
        guard options.count == 3, let reports = Int(options[1]), let rate = Double(options[2]) else { Bench.fail("stand-in: bad arguments") }
        do {
            let bluez = try await DBusConnection.connect(address: options[0])
            try bluez.export(Root(), at: "/")
            try bluez.export(Adapter(), at: "/org/bluez/hci0")
            _ = try await bluez.call(DBusMethodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                                                    member: "RequestName", arguments: [.string("org.bluez"), .uint32(0)]))
            FileHandle.standardOutput.write(Data("ready\n".utf8))
            _ = readLine()
            let started = Bench.now()
            for index in 0..<reports {
                if rate > 0, index % 200 == 0 {
                    let wait = started + Double(index) / rate - Bench.now()
                    if wait > 0 { try await Task.sleep(for: .microseconds(Int(wait * 1e6))) }
                }
                let device = index % devices
                var data = [UInt8](repeating: 0, count: 20)
                withUnsafeBytes(of: UInt32(index).littleEndian) { for (offset, byte) in $0.enumerated() { data[offset] = byte } }
                try bluez.emitSignal(path: String(format: "/org/bluez/hci0/dev_AA_BB_CC_DD_%02X_%02X", device >> 8, device & 0xFF),
                                     interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged", arguments: [
                                        .string("org.bluez.Device1"),
                                        .properties(["RSSI": .int16(Int16(-40 - index % 50)),
                                                     "ServiceData": .properties([AdvertisementPayload.serviceUUIDString: .bytes(data)])]),
                                        .strings([])])
            }
            FileHandle.standardOutput.write(Data("emitted \(Bench.now() - started)\n".utf8))
            _ = readLine()
        } catch {
            Bench.fail("stand-in: \(error)")
        }
    }

    static func run(options: [String]) async {
        let reports = options.first.flatMap(Int.init) ?? 200_000
        // Emission rate (reports/s); 0 = as fast as the stand-in can.
        let rate = options.dropFirst().first.flatMap(Double.init) ?? 20_000
        #if DEBUG
        print("warning: a debug build; figures mean nothing. Use: swift run -c release bleagent-bench radio-flood")
        #endif
        let directory = NSTemporaryDirectory() + "bleagent-flood-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try PrivateBus.configuration(socket: directory + "/bus").write(toFile: directory + "/bus.conf", atomically: true, encoding: .utf8)
        } catch { Bench.fail("cannot write the bus configuration: \(error)") }
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        daemon.arguments = ["--config-file=\(directory)/bus.conf", "--nofork", "--nopidfile"]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        do { try daemon.run() } catch { Bench.fail("cannot start dbus-daemon: \(error)") }
        defer { daemon.terminate() }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: directory + "/bus") { usleep(10_000) }
        let address = "unix:path=\(directory)/bus"

        let standIn = Process()
        standIn.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        standIn.arguments = ["radio-flood-standin", address, "\(reports)", "\(rate)"]
        let toStandIn = Pipe(), fromStandIn = Pipe()
        standIn.standardInput = toStandIn
        standIn.standardOutput = fromStandIn
        do { try standIn.run() } catch { Bench.fail("cannot start the stand-in: \(error)") }
        defer { standIn.terminate() }
        let lines = fromStandIn.fileHandleForReading
        func line() -> String {
            var bytes: [UInt8] = []
            while true {
                let byte = lines.readData(ofLength: 1)
                if byte.isEmpty || byte.first == 0x0A { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(contentsOf: byte)
            }
        }
        guard line() == "ready" else { Bench.fail("the stand-in did not start") }
        do {
            let client = try await DBusConnection.connect(address: address)
            let agent = RadioAgent(connection: client, configuration: .init(adapter: "hci0", schedule: .init(scanWindow: 1, scanPeriod: 1))) { interval, _ in
                AdvertisementPayload(rpi: RollingProximityIdentifier(Block16(lo: UInt64(interval.rawValue), hi: 1)), aem: AssociatedEncryptedMetadata(rawValue: 0))
            }
            let runner = Task { try await agent.run() }
            let collected = Task {
                var sightings = 0, last = Bench.now()
                for await batch in agent.sightings where !batch.isEmpty {
                    sightings += batch.count
                    last = Bench.now()
                }
                return (sightings, last)
            }
            while await !agent.status.scanning { try await Task.sleep(for: .milliseconds(10)) }
            let rssBefore = Bench.currentRSSMiB()
            let cpuBefore = Bench.cpuSeconds()
            let started = Bench.now()
            toStandIn.fileHandleForWriting.write(Data("go\n".utf8))
            let emitted = await Task.detached { line() }.value
            let emitSeconds = Double(emitted.split(separator: " ").last ?? "") ?? .nan
            var processed = 0, dropped = 0
            while processed + dropped < reports && Bench.now() - started < emitSeconds + 60 {
                let status = await agent.status
                (processed, dropped) = (status.reports, status.droppedReports)
                try await Task.sleep(for: .milliseconds(5))
            }
            let elapsed = Bench.now() - started
            let cpu = Bench.cpuSeconds() - cpuBefore
            let rssPeak = Bench.peakRSSMiB()
            try await Task.sleep(for: .seconds(2.5))   // the last window closes
            runner.cancel()
            _ = try? await runner.value
            let (sightings, lastBatch) = await collected.value
            let sightingSeconds = lastBatch - started
            print("radio flood: \(Bench.grouped(reports)) PropertiesChanged reports, each a new RPI, through a real dbus-daemon from a stand-in process"
                  + (rate > 0 ? " at \(Bench.grouped(Int(rate)))/s" : " as fast as it can"))
            print("  emitted in \(Bench.format(emitSeconds, 3)) s (\(Bench.grouped(Int(Double(reports) / emitSeconds)))/s)")
            print("  taken in by the agent: \(Bench.grouped(processed)) in \(Bench.format(elapsed, 3)) s = \(Bench.grouped(Int(Double(processed) / elapsed))) reports/s; "
                  + "dropped as overload: \(Bench.grouped(dropped)) (backlog bound \(Bench.grouped(RadioAgent.maximumBacklog)))")
            print("  sightings out of the scan windows: \(Bench.grouped(sightings)) by \(Bench.format(sightingSeconds, 3)) s = "
                  + "\(Bench.grouped(Int(Double(sightings) / max(sightingSeconds, 0.001)))) sightings/s (one per RPI per window)")
            print("  the agent's process: CPU \(Bench.format(cpu, 2)) s = \(Bench.format(100 * cpu / elapsed, 0)) % of a core; RSS \(Bench.format(rssBefore, 1)) MiB before, peak \(Bench.format(rssPeak, 1)) MiB")
            print("  (reports that arrive while discovery restarts between windows are not recorded, as on a radio;")
            print("   bluetoothd sends about one report per advert heard: 100 beacons at 200 ms = 500 reports/s)")
        } catch {
            Bench.fail("\(error)")
        }
    }
}
