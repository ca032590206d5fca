import ArgumentParser

/// `bleagent field …`: tools for field testers and for testing the risk model against real field measurements.
struct FieldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "field",
        abstract: "Field-testing tools: replays of public field trials, and a report with plots.",
        discussion: """
        A risk model is only as good as its agreement with what really happened. `field replay` \
        judges the contacts recorded in three public field trials with the same function the daemon \
        notifies with, and scores each model against the trials' ground truth (the distances the \
        participants really were apart):
          mitll-ua     MIT Lincoln Laboratory + University of Arizona scenario trials (bus queue,
                       train, party, …): real phones' sighting records and their own EN verdicts.
          dublin-tram  Leith & Farrell's tram measurements: minutes per attenuation bin per pair.
          nist-rpi     NIST: two Raspberry Pis at 50–400 cm, every packet's RSSI.
        The data are read from ../shared/fielddata (or --data-dir, or $BLEAGENT_FIELDDATA), never copied. \
        `field report` draws your own sightings and key files as one HTML page.

        Try:  bleagent field replay all
              bleagent field replay mitll-ua --risk my-model.json --json
              bleagent field report --sightings heard.csv --keys keys/*.zip -o report.html
        """,
        subcommands: [FieldReplayCommand.self, FieldReportCommand.self]
    )
}
