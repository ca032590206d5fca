import Durability
import ExposureNotification
import Foundation

/// Reading the files a verb is given, with errors that name the file.
enum InputFiles {
    static func data(_ path: String, what: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIError(.noInput, "cannot read \(what) \(path): \(Self.reason(error))")
        }
    }

    static func text(_ path: String, what: String) throws -> String {
        String(decoding: try data(path, what: what), as: UTF8.self)
    }

    /// A diagnosis-key file: a zip, or a bare export.bin with its export.sig beside it
    /// (`x.bin` → `x.sig`, `export.bin` → `export.sig`), if there is one.
    static func exportContainer(_ path: String) throws -> ExportContainer {
        let bytes = try data(path, what: "key file")
        if bytes.starts(with: [0x50, 0x4B]) { return .zip(bytes) }
        let url = URL(fileURLWithPath: path)
        let sibling = url.pathExtension == "bin" ? url.deletingPathExtension().appendingPathExtension("sig")
                                                 : url.appendingPathExtension("sig")
        let signature = FileManager.default.fileExists(atPath: sibling.path) ? try data(sibling.path, what: "signature file") : nil
        return .bare(exportBin: bytes, signature: signature)
    }

    /// Writes whole and durably (temporary file, fsync, rename), so a reader never sees half a file.
    static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        do {
            try DurableFile.write(data, to: path, mode: mode, createFolders: false)
        } catch {
            throw CLIError(.failure, error.description)
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}
