// bleagent-bench: benchmarks that print figures (not tests). Run with
//   swift run -c release bleagent-bench match
// Verbs: match (end-to-end matcher), generate DIR (writes the key files match uses).
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "match":
    MatchBenchmark.run(options: Array(arguments.dropFirst()))
case "store":
    await StoreBenchmark.run(options: Array(arguments.dropFirst()))
case "radio-flood":
    await RadioFloodBenchmark.run(options: Array(arguments.dropFirst()))
case "radio-flood-standin":
    await RadioFloodBenchmark.standIn(options: Array(arguments.dropFirst()))
case "server-export":
    await ServerExportBenchmark.run(options: Array(arguments.dropFirst()))
case "report":
    ReportBenchmark.run(options: Array(arguments.dropFirst()))
case "field-replay":
    FieldReplayBenchmark.run(options: Array(arguments.dropFirst()))
case "parts":
    PartsBenchmark.run()
case "generate":
    guard arguments.count >= 2 else { Bench.fail("usage: bleagent-bench generate DIR") }
    MatchBenchmark.generate(into: arguments[1])
default:
    print("""
    usage: bleagent-bench match [--keys N] [--files N] [--sightings N] [--workers N] [--dir DIR]
           bleagent-bench store [--days N] [--per-day N] [--batch N] [--dir DIR]
           bleagent-bench radio-flood [REPORTS] [RATE/s, 0 = unlimited; default 20000]
           bleagent-bench server-export [--keys N] [--days N] [--database sqlite|postgres://…] [--dir DIR]
           bleagent-bench report [--days N] [--per-day N]
           bleagent-bench field-replay [--data-dir PATH] [--repeat N]
           bleagent-bench parts
           bleagent-bench generate DIR
    match: 2,000,000 keys in 14 signed daily files against 200,000 stored RPIs, end to end.
    store: 14 busy days (2.8 M sightings) ingested in batches, loaded into the matcher's table, bytes per sighting.
    radio-flood: sightings per second the radio agent makes of PropertiesChanged floods (the stand-in in a process of its own).
    server-export: the notification server's export worker over 500,000 registered keys, against building the files alone.
    report: `field report` over 14 days × 200,000 sightings: time against sorting them once, page size.
    field-replay: reading and replaying all 27 MITLL-UA runs under the presets (time, peak RSS).
    parts: the matcher's per-key crypto (HKDF, AES) alone on one core.
    """)
    exit(arguments.isEmpty ? 0 : 64)
}
