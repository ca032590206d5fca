import ArgumentParser
import AsyncHTTPClient
import BlueZ
import ContactStore
import DBus
import Foundation
import HostSupport
import Logging
import ServiceLifecycle

/// `bleagent run`: the daemon (systemd runs it with Type=notify).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: advertise and scan, keep the encrypted contact store, download and match keys.",
        discussion: """
        Normally started by systemd (bleagent.service). Nothing is advertised, scanned or stored until \
        consent is given (`bleagent consent --accept`). Configuration: /etc/bleagent/bleagent.toml \
        (or --config); a bad value stops it with the line or key named. Exit codes: 0 stopped, \
        1 failure, 78 bad configuration.
        """
    )

    @Option(help: ArgumentHelp("Configuration file (default: /etc/bleagent/bleagent.toml).", valueName: "PATH"))
    var config: String?

    @Option(help: ArgumentHelp("D-Bus address to use instead of the system bus (tests).", valueName: "ADDRESS"))
    var busAddress: String?

    @Option(help: ArgumentHelp("""
        Serve org.bleagent.Agent1 on this bus instead (bluetoothd is still reached on the system bus or --bus-address): \
        several agents on one machine, as in `bleagent demo`. The CLI finds it through $BLEAGENT_BUS_ADDRESS.
        """, valueName: "ADDRESS"))
    var serviceBusAddress: String?

    @OptionGroup var output: ErrorOutputOptions

    func run() async throws {
        try await reportingErrors {
            LoggingSystem.bootstrap { label in JournalLogHandler(label: label, identifier: "bleagent") }
            let logger = Logger(label: "bleagent")
            let configuration: AgentConfiguration
            do { configuration = try AgentConfiguration.load(path: config) } catch { throw CLIError(.configuration, "\(error)") }
            let (bus, serviceBus) = try await connectBuses()
            try await claimServiceName(on: serviceBus)
            await explainAMissingRadio(bus, logger: logger)
            let store: ContactStore
            let trusted = await configuration.timeGate.waitingReason(TimeGate.systemClock(bus: bus)) == nil
            do {
                // On a clock not yet trusted the store is opened without expiring: the daemon expires once it is.
                store = try await ContactStore.open(configuration.storeDirectory,
                                                    configuration: .init(rpiCapPerDay: configuration.rpiCapPerDay), now: Int64(configuration.clock.now()),
                                                    expiring: trusted)
            } catch {
                throw CLIError(.failure, "\(error)")
            }
            if let loss = store.lossAtOpen {
                logger.critical("contact store: \(loss)")
                Output.warning("contact store: \(loss)")
            }
            try await serve(configuration: configuration, store: store, bus: bus, serviceBus: serviceBus, logger: logger)
        }
    }

    /// The bus bluetoothd is on, and the one our API is served on (the same one unless --service-bus-address).
    private func connectBuses() async throws(CLIError) -> (radio: DBusConnection, service: DBusConnection) {
        let bus: DBusConnection
        do throws(DBusError) {
            if let busAddress { bus = try await DBusConnection.connect(address: busAddress) } else { bus = try await DBusConnection.system() }
        } catch {
            throw CLIError(.failure, "\(BlueZAdapters.explain(error)). To see the whole story on virtual radios, run `bleagent demo`.")
        }
        guard let serviceBusAddress else { return (bus, bus) }
        do throws(DBusError) { return (bus, try await DBusConnection.connect(address: serviceBusAddress)) } catch {
            throw CLIError(.failure, "cannot connect to the service bus \(serviceBusAddress): \(error)")
        }
    }

    /// Owns org.bleagent.Agent, or says why not (another daemon, or the bus policy is not installed).
    private func claimServiceName(on serviceBus: DBusConnection) async throws(CLIError) {
        let reply: [DBusValue]
        do throws(DBusError) {
            reply = try await serviceBus.call(DBusMethodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                                                             member: "RequestName", arguments: [.string(AgentService.busName), .uint32(4)]))
        } catch {
            throw CLIError(.failure, "cannot own \(AgentService.busName) on the bus: \(error) (is systemd/org.bleagent.Agent.conf installed in /etc/dbus-1/system.d?)")
        }
        guard reply.first?.integer == 1 else { throw CLIError(.failure, "another bleagent daemon already runs (\(AgentService.busName) is taken)") }
    }

    /// A newcomer without a radio learns at once why nothing happens, and where to see it work.
    private func explainAMissingRadio(_ bus: DBusConnection, logger: Logger) async {
        let noRadio: String?
        do throws(DBusError) {
            noRadio = try await BlueZAdapters.list(bus).isEmpty ? "no Bluetooth adapter on this machine" : nil
        } catch {
            noRadio = BlueZAdapters.explain(error)
        }
        guard let noRadio else { return }
        logger.warning("\(noRadio): nothing is advertised or scanned until an adapter appears. To see the whole story on virtual radios, run `bleagent demo`.")
        FileHandle.standardError.write(Data("bleagent: \(noRadio); waiting for an adapter. Try `bleagent demo` to see it work on virtual radios.\n".utf8))
    }

    /// Wires the daemon, serves the API, and runs until SIGTERM or SIGINT.
    private func serve(configuration: AgentConfiguration, store: ContactStore, bus: DBusConnection, serviceBus: DBusConnection,
                       logger: Logger) async throws {
        let notifier = SystemdNotifier()
        // Redirects are followed by KeyDownloader, which checks each target (TransportSecurity).
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        var contactNotifier = ContactNotifier(journal: JournalSocket.system, logger: logger, hook: configuration.hook) { day in
            try? serviceBus.emitSignal(path: AgentService.path, interface: AgentService.interface, member: "ContactDay",
                                       arguments: [.string(day.day.iso8601), .uint32(UInt32(day.windows)), .uint32(UInt32(day.minutes))])
        }
        contactNotifier.language = Language(environment: ProcessInfo.processInfo.environment)
        contactNotifier.forgotten = {
            try? serviceBus.emitSignal(path: AgentService.path, interface: AgentService.interface, member: "Forgotten", arguments: [])
        }
        let daemon = AgentDaemon(configuration: configuration, store: store, bus: bus, httpClient: http,
                                 notifier: contactNotifier, logger: logger)
        try serviceBus.export(AgentService(daemon: daemon), at: AgentService.path)
        await daemon.publishProperties(AgentService.propertiesChanged(on: serviceBus))
        notifier.notify("READY=1\nSTATUS=running")
        logger.info("bleagent \(BLEAgentVersion.current) running; state in \(configuration.storeDirectory.path)")
        let group = ServiceGroup(configuration: .init(services: [
            .init(service: DaemonService(daemon: daemon, notifier: notifier, buses: bus === serviceBus ? [bus] : [bus, serviceBus], logger: logger)),
        ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // Whatever ends the group (a signal, or a lost bus), the HTTP client and the buses are closed.
        let ended: Result<Void, any Error>
        do { try await group.run(); ended = .success(()) } catch { ended = .failure(error) }
        notifier.notify("STOPPING=1")
        try? await http.shutdown()
        bus.close()
        if serviceBus !== bus { serviceBus.close() }
        try ended.get()
    }
}

/// The daemon as a ServiceLifecycle service: runs until SIGTERM/SIGINT, pets the watchdog while
/// its buses are up, and ends with an error when one is lost (the radio and the API are gone with
/// it; systemd restarts the service on a fresh connection).
struct DaemonService: Service {
    let daemon: AgentDaemon
    let notifier: SystemdNotifier
    let buses: [DBusConnection]
    let logger: Logger

    func run() async throws {
        let buses = buses
        enum Part { case daemon, watchdog, busWatch }
        try await withThrowingTaskGroup(of: Part.self) { group in
            group.addTask { await cancelWhenGracefulShutdown { await daemon.run() }; return .daemon }
            group.addTask {
                // Returns at once when systemd set no watchdog.
                await cancelWhenGracefulShutdown {
                    await notifier.watchdogLoop {
                        guard buses.allSatisfy(\.isConnected) else { return false }
                        let status = await daemon.status()
                        notifier.notify("STATUS=consent \(status.consent.accepted ? "given" : "not given"), \(status.sightingsToday) sightings today, \(status.contactDays) contact days")
                        return true
                    }
                }
                return .watchdog
            }
            group.addTask {
                // Sleeps until a bus goes (or the service ends): no polling.
                await withTaskGroup(of: Void.self) { waits in
                    for bus in buses { waits.addTask { await bus.waitUntilClosed() } }
                    await waits.next()
                    waits.cancelAll()
                }
                if !Task.isCancelled {
                    logger.critical("lost the D-Bus connection: no radio and no API without it; exiting so that systemd starts bleagent again")
                    throw CLIError(.failure, "lost the D-Bus connection (did dbus restart?); exiting so that systemd starts bleagent again")
                }
                return .busWatch
            }
            // The daemon ending (a graceful shutdown) ends the rest; a lost bus throws out of here.
            while let part = try await group.next(), part != .daemon {}
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}
