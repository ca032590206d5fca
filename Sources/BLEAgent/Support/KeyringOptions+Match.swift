import ExposureNotification

extension KeyringOptions {
    /// `table` matched against the key files at `paths`, as `match` and `field report` do: files
    /// must carry a valid signature by a given `--public-key`, and are used unverified only when none
    /// is given.
    func match(_ table: SightingTable, keyFiles paths: [String]) throws -> MatchReport {
        let keyring = try keyring()
        let sources = paths.map { path in ExportSource(name: path) { try InputFiles.exportContainer(path) } }
        return Matcher(index: SightingIndex(table: table), keyring: keyring, policy: keyring.isEmpty ? .allowUnverified : .requireValid)
            .match(sources)
    }
}
