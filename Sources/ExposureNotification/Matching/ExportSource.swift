/// A diagnosis-key file the matcher loads only when a thread is ready for it, so that at most one
/// file per thread is in memory however many files are queued.
public struct ExportSource: Sendable {
    /// For messages: a path, a URL or a name.
    public var name: String
    public var load: @Sendable () throws -> ExportContainer

    public init(name: String, load: @escaping @Sendable () throws -> ExportContainer) {
        self.name = name
        self.load = load
    }
}
