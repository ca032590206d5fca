import ArgumentParser

/// `bleagent crypto …`: the GAEN derivations, for field tests and interop checks.
struct CryptoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "Derive GAEN identifiers from a key (for testing and interop).",
        subcommands: [CryptoRPICommand.self]
    )
}
