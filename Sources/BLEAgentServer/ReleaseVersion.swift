import Release

/// The one release number (`Release.version`), under a name ServerCommand.swift sees without an import.
enum ServerVersion {
    static let current = Release.version
}
