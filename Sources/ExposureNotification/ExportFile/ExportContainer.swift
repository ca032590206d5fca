import Foundation

/// How a diagnosis-key file arrives: the zip a key server publishes, or a bare `export.bin` with its
/// `export.sig` beside it (as some servers and test suites store them). Bytes only: the core does no I/O.
public enum ExportContainer: Sendable {
    case zip(Data)
    case bare(exportBin: Data, signature: Data?)
}

extension Data {
    /// `withUnsafeBytes` for bodies that throw `ExportFileError`, keeping the error's type.
    func withExportBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ExportFileError) -> R) throws(ExportFileError) -> R {
        let result: Result<R, ExportFileError> = withUnsafeBytes { raw in
            do throws(ExportFileError) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
