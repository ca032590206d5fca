import AgentTime
@testable import BlueZ
import DBus
import ExposureNotification
import Foundation
import TestSupport
import Testing

/// The radio agent's plumbing against `bluezoo` (a BlueZ D-Bus mock from PyPI) on a private
/// `dbus-daemon`: registration (bluezoo reads our object with GetAll before it replies), rotation,
/// discovery, a restarted bluetoothd, power, discoverable. bluezoo does not deliver GAEN broadcasts
/// between adapters, so sightings, addresses and RSSI are tested on the real stack.
@Suite(.enabled(if: PrivateBus.available && Bluezoo.executable != nil, "needs dbus-daemon and bluezoo (pip install bluezoo)"))
struct RadioAgentTests {
    let adapterAddress = "00:11:22:33:44:55"

    func startBluezoo(_ bus: PrivateBus) throws -> Process {
        try bus.spawn(try #require(Bluezoo.executable), ["--auto-enable", "-q", "-a", adapterAddress])
    }

    func waitForAdapter(_ connection: DBusConnection) async throws {
        let ready = await eventually(20) { ((try? await BlueZAdapters.list(connection)) ?? []).contains { $0.powered } }
        try #require(ready, "bluezoo never offered a powered adapter")
    }

    func property(_ connection: DBusConnection, _ interface: String, _ name: String, path: String = "/org/bluez/hci0") async -> DBusValue? {
        try? await connection.call(DBusMethodCall(destination: "org.bluez", path: path, interface: "org.freedesktop.DBus.Properties",
                                                  member: "Get", arguments: [.string(interface), .string(name)])).first
    }

    func setProperty(_ connection: DBusConnection, _ name: String, _ value: DBusValue) async throws {
        _ = try await connection.call(DBusMethodCall(destination: "org.bluez", path: "/org/bluez/hci0", interface: "org.freedesktop.DBus.Properties",
                                                     member: "Set", arguments: [.string("org.bluez.Adapter1"), .string(name), .variant(value)]))
    }

    func agent(_ connection: DBusConnection, clock: AgentClock, adapter: String = "hci0") -> RadioAgent {
        // Identifier periods of 10–11 minutes (not 10–20): at 120× speed a rotation every 5–5.5 s.
        RadioAgent(connection: connection, configuration: .init(adapter: adapter, schedule: .init(scanWindow: 0.5, scanPeriod: 1, retryDelay: 0.2,
                                                                                                  rotationPeriod: 600...660)),
                   clock: clock) { interval, power in
            AdvertisementPayload(rpi: RollingProximityIdentifier(Block16(lo: UInt64(interval.rawValue), hi: 7)),
                                 aem: AssociatedEncryptedMetadata(rawValue: UInt32(UInt8(bitPattern: power))))
        }
    }

    /// A private bus with bluezoo on it, an observer connection, and a running agent.
    struct Setup {
        let bus: PrivateBus
        let bluezoo: Process
        let observer: DBusConnection
        /// The radio agent's own connection (its unique name is what an attacker addresses).
        let connection: DBusConnection
        let radio: RadioAgent
        let run: Task<Void, any Error>
    }

    func setUp(clock: AgentClock = .real, adapter: String = "hci0") async throws -> Setup {
        let bus = try PrivateBus()
        let bluezoo = try startBluezoo(bus)
        let observer = try await DBusConnection.connect(address: bus.address)
        try await waitForAdapter(observer)
        let connection = try await DBusConnection.connect(address: bus.address)
        let radio = agent(connection, clock: clock, adapter: adapter)
        return Setup(bus: bus, bluezoo: bluezoo, observer: observer, connection: connection, radio: radio, run: Task { try await radio.run() })
    }

    @Test func registersScansAndRotates() async throws {
        // 120× speed: a new interval every 5 s, a new identifier every 5–5.5 s.
        let setup = try await setUp(clock: AgentClock(origin: Date().timeIntervalSince1970, speed: 120))
        let (observer, radio, run) = (setup.observer, setup.radio, setup.run)
        defer { run.cancel() }
        #expect(await eventually { await property(observer, "org.bluez.LEAdvertisingManager1", "ActiveInstances")?.integer == 1 })
        #expect(await eventually { await property(observer, "org.bluez.Adapter1", "Discovering")?.bool == true })
        #expect(await eventually(25) { await radio.status.rotations >= 3 })
        let status = await radio.status
        #expect(status.advertising && status.adapter == "hci0" && status.scanWindows > 0)
        #expect(await property(observer, "org.bluez.LEAdvertisingManager1", "ActiveInstances")?.integer == 1)
        run.cancel()
        _ = await run.result
        // Unregistered on the way out.
        #expect(await eventually { await property(observer, "org.bluez.LEAdvertisingManager1", "ActiveInstances")?.integer == 0 })
    }

    @Test func anAdapterIsChosenByItsAddressToo() async throws {
        let setup = try await setUp(adapter: adapterAddress.lowercased())
        defer { setup.run.cancel() }
        #expect(await eventually { await setup.radio.status.advertising })
        #expect(await setup.radio.status.adapter == "hci0")
        let other = agent(try await DBusConnection.connect(address: setup.bus.address), clock: .real, adapter: "AA:AA:AA:AA:AA:AA")
        let run = Task { try await other.run() }
        defer { run.cancel() }
        #expect(await eventually { await other.status.lastError?.contains("no adapter AA:AA:AA:AA:AA:AA") == true })
        #expect(await other.status.advertising == false)
    }

    @Test func followsBluetoothdAwayAndBack() async throws {
        let setup = try await setUp()
        let (bus, first, observer, radio, run) = (setup.bus, setup.bluezoo, setup.observer, setup.radio, setup.run)
        defer { run.cancel() }
        #expect(await eventually { await radio.status.advertising })
        bus.stop(first)
        #expect(await eventually { await radio.status.adapter == nil })
        #expect(await radio.status.quietReason == RadioSchedule.Quiet.adapterMissing.rawValue)
        _ = try startBluezoo(bus)
        #expect(await eventually(20) { await radio.status.advertising })
        #expect(await eventually { await property(observer, "org.bluez.LEAdvertisingManager1", "ActiveInstances")?.integer == 1 })
        #expect(await radio.recentEvents.contains("bluetoothd stopped"))
        // Still exactly one advertisement a while later (no duplicate from repeated announcements).
        try await Task.sleep(for: .seconds(1))
        #expect(await property(observer, "org.bluez.LEAdvertisingManager1", "ActiveInstances")?.integer == 1)
    }

    @Test func powerAndDiscoverable() async throws {
        let setup = try await setUp()
        let (observer, radio, run) = (setup.observer, setup.radio, setup.run)
        defer { run.cancel() }
        #expect(await eventually { await radio.status.advertising })
        try await setProperty(observer, "Powered", .boolean(false))
        #expect(await eventually { await radio.status.quietReason == RadioSchedule.Quiet.poweredOff.rawValue })
        let windowsWhileOff = await radio.status.scanWindows
        try await Task.sleep(for: .seconds(2))
        #expect(await radio.status.scanWindows == windowsWhileOff)
        try await setProperty(observer, "Powered", .boolean(true))
        #expect(await eventually { await radio.status.advertising })
        // Discoverable: our advertising is suspended, and the status says why.
        try await setProperty(observer, "Discoverable", .boolean(true))
        #expect(await eventually { await radio.status.quietReason == RadioSchedule.Quiet.discoverable.rawValue })
        // The event is noted when the agent's step that changed the status ends: it may trail the status.
        #expect(await eventually { await radio.recentEvents.contains("advertising suspended: \(RadioSchedule.Quiet.discoverable.rawValue)") },
                "the reason goes to the log too")
        #expect(await eventually { await property(observer, "org.bluez.LEAdvertisingManager1", "ActiveInstances")?.integer == 0 })
        try await setProperty(observer, "Discoverable", .boolean(false))
        #expect(await eventually { await radio.status.advertising })
    }

    @Test func noBluetoothdIsSaidClearly() async throws {
        let bus = try PrivateBus()
        let radio = agent(try await DBusConnection.connect(address: bus.address), clock: .real)
        let run = Task { try await radio.run() }
        defer { run.cancel() }
        #expect(await eventually { await radio.status.lastError == "bluetoothd is not running" })
        #expect(await !radio.status.advertising)
    }

    /// Another local peer addresses bluetoothd's signals to the agent directly (the bus delivers
    /// them whatever the agent's match rules say): invented device reports, and a NameOwnerChanged
    /// saying bluetoothd stopped. Neither is believed: no report is taken in, and the agent keeps
    /// its adapter and its advertisement.
    @Test func forgedBluetoothdSignalsAreIgnored() async throws {
        let setup = try await setUp()
        defer { setup.run.cancel() }
        #expect(await eventually { let status = await setup.radio.status; return status.advertising && status.scanning })
        let attacker = try await DBusConnection.connect(address: setup.bus.address)
        let target = setup.connection.uniqueName
        // Spread over 2 s so that many fall inside scan windows (0.5 s of every second here).
        for index in 0..<200 {
            if index % 10 == 0 { try await Task.sleep(for: .milliseconds(100)) }
            let device = String(format: "/org/bluez/hci0/dev_02_00_00_00_%02X_%02X", index / 256, index % 256)
            let serviceData = DBusValue.dictionary(keySignature: "s", valueSignature: "v", [
                .init(.string("0000fd6f-0000-1000-8000-00805f9b34fb"), .variant(.bytes((0..<20).map { UInt8(truncatingIfNeeded: $0 &+ index) }))),
            ])
            try attacker.emitSignal(path: device, interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged",
                                    arguments: [.string("org.bluez.Device1"), .properties(["ServiceData": serviceData, "RSSI": .int16(-40)]), .strings([])],
                                    destination: target)
        }
        try attacker.emitSignal(path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "NameOwnerChanged",
                                arguments: [.string("org.bluez"), .string(":1.1"), .string("")], destination: target)
        try await Task.sleep(for: .seconds(1))
        let status = await setup.radio.status
        print("forged device reports taken in: \(status.reports) of 200; adapter after a forged NameOwnerChanged: \(status.adapter ?? "none")")
        #expect(status.reports == 0)
        #expect(status.adapter == "hci0" && status.advertising)
        #expect(await !setup.radio.recentEvents.contains("bluetoothd stopped"))
    }
}

enum Bluezoo {
    /// The `bluezoo` command on PATH, if installed.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/bluezoo" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
}
