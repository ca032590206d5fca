import ArgumentParser

/// `-o FILE [--format jsonl|csv]`, for the verbs that write a sightings file.
struct SightingsOutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Where to write the sightings.", valueName: "OUTPUT"))
    var output: String

    @Option(help: ArgumentHelp("jsonl or csv (default: csv for a .csv OUTPUT, else jsonl).", valueName: "FORMAT"))
    var format: SightingsFile.Format?

    /// `--format`, else what OUTPUT's extension says.
    var resolvedFormat: SightingsFile.Format { SightingsFile.Format.of(output, explicit: format) }
}

extension SightingsFile.Format: ExpressibleByArgument {}
