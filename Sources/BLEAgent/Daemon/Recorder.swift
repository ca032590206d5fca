import AgentTime
import BlueZ
import ContactStore
import DBus
import ExposureNotification
import Logging

/// What the recorder needs of the store.
protocol SightingStore: Sendable {
    func record(_ sightings: [Sighting], now: Int64) async throws(StoreError) -> ContactStore.IngestResult
}

extension ContactStore: SightingStore {}

/// What the recorder needs of a radio: run it, hear its batches of sightings, read its status.
protocol RadioSource: Sendable {
    var sightings: AsyncStream<[Sighting]> { get }
    var status: RadioStatus { get async }
    func run() async throws(DBusError)
}

extension RadioAgent: RadioSource {}

/// The radio side of the daemon: runs the radio agent (advertising this device's identifiers,
/// scanning) and stores what it hears. Neither a radio that stops with an error nor a batch the
/// store refuses is swallowed: both are logged and kept for `status` until things work again.
actor Recorder {
    private let logger: Logger
    private let now: @Sendable () -> Double
    private var radio: (any RadioSource)?
    private var tasks: [Task<Void, Never>] = []
    /// Why the radio agent stopped, if it stopped with an error (cleared when recording starts again).
    private(set) var radioFailure: String?
    /// The store's refusal of the last batch (cleared by the next batch stored).
    private(set) var storeError: String?

    init(logger: Logger, now: @escaping @Sendable () -> Double) {
        self.logger = logger
        self.now = now
    }

    var status: RadioStatus? { get async { await radio?.status } }

    /// Starts a radio agent on `bus` advertising `keys`' identifiers, and records what it hears.
    func start(on bus: DBusConnection, configuration: RadioAgent.Configuration, clock: AgentClock, keys: OwnKeys,
               into store: any SightingStore) {
        let logger = logger
        let agent = RadioAgent(connection: bus, configuration: configuration, clock: clock,
                               onEvent: { event in logger.notice("radio: \(event)") }) { interval, power in
            keys.payload(for: interval, txPower: power)
        }
        start(agent, into: store)
    }

    /// Starts `agent` and stores every batch of sightings it hands over in `store`.
    func start(_ agent: any RadioSource, into store: any SightingStore) {
        guard radio == nil else { return }
        radio = agent
        radioFailure = nil
        let now = now
        tasks = [
            Task { [weak self] in
                do throws(DBusError) {
                    try await agent.run()
                } catch {
                    await self?.radioStopped(error.description)
                }
            },
            Task { [weak self] in
                for await batch in agent.sightings where !batch.isEmpty {
                    do throws(StoreError) {
                        await self?.stored(try await store.record(batch, now: Int64(now())))
                    } catch {
                        await self?.refused(error)
                    }
                }
            },
        ]
    }

    /// Stops the radio (it unregisters on the way out) and waits for both tasks to end.
    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.value }
        tasks = []
        radio = nil
    }

    private func radioStopped(_ reason: String) {
        radioFailure = reason
        logger.error("radio: stopped: \(reason)")
    }

    private func stored(_ result: ContactStore.IngestResult) {
        storeError = nil
        if result.rejectedTime > 0 {
            logger.warning("\(result.rejectedTime) sightings stamped outside the kept period (clock jump?) were not stored")
        }
    }

    private func refused(_ error: StoreError) {
        storeError = error.description
        logger.error("contact store: \(error)")
    }
}
