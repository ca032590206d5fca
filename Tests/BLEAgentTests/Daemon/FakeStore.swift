@testable import BLEAgent
import ContactStore
import ExposureNotification

/// The daemon's view of the store, in memory: what the exposure check and a download round read
/// and write, counting writes (a cancelled step must write nothing) and window reads.
actor FakeStore: DownloadStore {
    var sightings: [Sighting] = []
    var processed: Set<FileDigest> = []
    var windows: [ExposureWindow] = []
    var days: [ExposureDay: ContactDayRecord] = [:]
    var windowReads = 0
    var writes = 0
    var positions: [String: DownloadState] = [:]

    init(sightings: [Sighting]) { self.sightings = sightings }

    func sightingTable(now: Int64) async throws(StoreError) -> SightingTable { SightingTable(sightings) }
    func processedFiles() async throws(StoreError) -> Set<FileDigest> { processed }
    func recordProcessed(_ digests: [FileDigest], now: Int64) async throws(StoreError) {
        writes += 1
        processed.formUnion(digests)
    }
    func saveExposureWindows(_ new: [ExposureWindow], now: Int64) async throws(StoreError) -> [ExposureWindow] {
        writes += 1
        windows.removeAll { old in new.contains { $0.keyData == old.keyData && $0.day == old.day } }
        windows += new
        return windows
    }
    func exposureWindows(now: Int64) async throws(StoreError) -> [ExposureWindow] {
        windowReads += 1
        return windows
    }
    func contactDays(now: Int64) async throws(StoreError) -> [ContactDayRecord] { days.values.sorted { $0.day < $1.day } }
    func saveContactDays(_ records: [ContactDayRecord], now: Int64) async throws(StoreError) {
        writes += 1
        for record in records { days[record.day] = record }
    }
    func downloadState(source: String) async throws(StoreError) -> DownloadState? { positions[source] }
    func saveDownloadState(_ record: DownloadState, source: String) async throws(StoreError) {
        writes += 1
        positions[source] = record
    }
}
