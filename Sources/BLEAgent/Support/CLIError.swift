import ArgumentParser
import Foundation

/// A failure the CLI reports in one line, with an exit code scripts can rely on.
struct CLIError: Error, CustomStringConvertible {
    enum Kind {
        /// 1: something went wrong at run time (writing a file, …).
        case failure
        /// 3: a signature did not verify, or a key file was refused.
        case refused
        /// 65 (EX_DATAERR): an input file is malformed.
        case dataError
        /// 66 (EX_NOINPUT): an input file is missing or unreadable.
        case noInput
        /// 69 (EX_UNAVAILABLE): the daemon (or another service needed) is not running.
        case unavailable
        /// 78 (EX_CONFIG): the configuration file is refused.
        case configuration
        /// 77: this user may not do that (EX_NOPERM).
        case permission
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { message }

    var exitCode: ExitCode {
        switch kind {
        case .failure: ExitCode(1)
        case .refused: ExitCode(3)
        case .dataError: ExitCode(65)
        case .noInput: ExitCode(66)
        case .unavailable: ExitCode(69)
        case .configuration: ExitCode(78)
        case .permission: ExitCode(77)
        }
    }
}

extension AsyncParsableCommand {
    /// Runs `body`, printing a `CLIError` as `bleagent: message` on stderr and exiting with its code.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("bleagent: \(error.message)\n".utf8))
            throw error.exitCode
        }
    }
}
