import Foundation

/// Appends sightings to a file as they are made (`radio test --sightings-out`): CSV for a `.csv`
/// file (its header first when the file is new or empty), else JSON lines. A new file is made
/// owner-only (it holds the RPIs and RSSI of people nearby). Used from one task at a time.
final class SightingsSink: @unchecked Sendable {
    private let handle: FileHandle
    private let format: SightingsFile.Format
    private let packets: Bool
    private var needsHeader: Bool

    init(path: String, packets: Bool) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CLIError(.failure, "cannot write \(path)") }
        self.handle = handle
        format = SightingsFile.Format.of(path, explicit: nil)
        self.packets = packets
        needsHeader = handle.seekToEndOfFile() == 0
    }

    func append(_ entries: [SightingsFile.Entry]) {
        guard !entries.isEmpty || (needsHeader && format == .csv) else { return }
        handle.write(SightingsFile.encode(entries, format: format, header: needsHeader, packets: packets))
        needsHeader = false
    }

    func close() {
        try? handle.close()
    }
}
