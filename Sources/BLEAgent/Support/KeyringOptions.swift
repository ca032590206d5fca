import ArgumentParser
import ExposureNotification

/// `--public-key [ID[:VERSION]=]PEM`, repeatable: the keys signatures are checked with.
struct KeyringOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A P-256 public key (PEM) that key files may be signed with; repeatable.",
        discussion: "Prefix ID=, or ID:VERSION=, to trust it only for files naming that key id (and version), as a key server publishes them.",
        valueName: "[ID[:VERSION]=]PEM"))
    var publicKey: [String] = []

    func keyring() throws -> VerificationKeyring {
        VerificationKeyring(try publicKey.map { argument in
            var path = argument
            var id: String?, version: String?
            if let equals = argument.firstIndex(of: "=") {
                path = String(argument[argument.index(after: equals)...])
                let label = argument[..<equals]
                if let colon = label.firstIndex(of: ":") {
                    id = String(label[..<colon])
                    version = String(label[label.index(after: colon)...])
                } else {
                    id = String(label)
                }
            }
            do {
                return try VerificationKeyring.Key(id: id, version: version, pem: try InputFiles.text(path, what: "public key"))
            } catch let error as VerificationKeyring.KeyError {
                throw CLIError(.dataError, "\(path): \(error)")
            }
        })
    }
}
