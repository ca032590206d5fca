import ArgumentParser
import ExposureNotification
import Foundation

/// `bleagent register`: a person who tested positive shares their daily keys with the notification
/// server, using the processing number the health centre gave them, so that the people they met
/// are notified. Shows first exactly which days will be shared; sends nothing without consent.
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a positive test: share your keys so that people you met are notified.",
        discussion: """
        Asks for what it needs unless given: whether you had symptoms, the day they started (or, without \
        symptoms, the day of the test), and the 8-digit processing number from the health centre. Keys \
        from 2 days before that day are shared (COCOA's rule; never older than 14 days). Nothing about \
        who you are or whom you met is sent: the keys only let others' devices recognise what yours sent.

        The server is [registration] server in /etc/bleagent/bleagent.toml (or --server). Network \
        failures are retried; a retry never registers twice. Success is reported only on the server's \
        verified answer.

        Exit codes: 0 registered, 1 not sent (no consent, no keys), 3 the server refused the number \
        (unknown, expired or used: the message says what to do), 64 a bad --server, 65 bad input, 69 the server is \
        unreachable, 77 this user may not read the configuration or the store, 78 no server configured or a bad configuration.
        """)

    enum Symptoms: String, ExpressibleByArgument, CaseIterable { case yes, no }

    @OptionGroup var target: NotificationServerOptions
    @Option(help: "Did you have symptoms?")
    var symptoms: Symptoms?
    @Option(name: .customLong("onset-date"), help: ArgumentHelp("The day symptoms started.", valueName: "YYYY-MM-DD"))
    var onsetDate: String?
    @Option(name: .customLong("test-date"), help: ArgumentHelp("Without symptoms: the day of the test.", valueName: "YYYY-MM-DD"))
    var testDate: String?
    @Option(name: .customLong("processing-number"), help: ArgumentHelp("The 8-digit number from the health centre.", valueName: "NUMBER"))
    var processingNumber: String?
    @Flag(help: "Send without asking (you consent to sharing the days shown).")
    var consent = false
    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let (configuration, base) = try target.resolve()
            let interactive = isatty(STDIN_FILENO) == 1
            let hasSymptoms = try symptoms.map { $0 == .yes } ?? Self.ask("Did you have symptoms? [yes/no] ", interactive: interactive) { answer in
                ["yes", "y"].contains(answer) ? true : ["no", "n"].contains(answer) ? false : nil
            }
            let dayGiven = hasSymptoms ? onsetDate : testDate
            if hasSymptoms && testDate != nil && onsetDate == nil { throw CLIError(.dataError, "with symptoms, give --onset-date (the day they started)") }
            if !hasSymptoms && onsetDate != nil && testDate == nil { throw CLIError(.dataError, "without symptoms, give --test-date (the day of the test)") }
            let question = hasSymptoms ? "Day symptoms started (YYYY-MM-DD): " : "Day of the test (YYYY-MM-DD): "
            let onset = try dayGiven.map { text throws(CLIError) in
                guard let day = ExposureDay(iso8601: text) else { throw CLIError(.dataError, "\(text) is not a date (YYYY-MM-DD)") }
                return day
            } ?? Self.ask(question, interactive: interactive) { ExposureDay(iso8601: $0) }
            let now = configuration.clock.now()   // the daemon's clock: its keys are dated by it
            let today = ExposureDay(unixSeconds: Int64(now))
            guard onset <= today.adding(days: 1) else { throw CLIError(.dataError, "\(onset.iso8601) lies in the future") }

            let keys = OnsetRule.keysToShare(try await OwnKeySource.keysOnAir(directory: try state.directory(config: target.config)), onset: onset, today: today)
            guard !keys.isEmpty else {
                throw CLIError(.failure, "no keys from \(OnsetRule.firstSharedDay(onset: onset, today: today).iso8601) on: this device was not advertising then (consent given later?)")
            }
            if !output.json {
                Output.line("These \(keys.count) day\(keys.count == 1 ? "" : "s") of keys will be shared (UTC days; days since \(hasSymptoms ? "onset" : "the test")):")
                for key in keys { Output.line("  \(key.day.iso8601)  (\(key.daysSinceOnsetOfSymptoms.map { $0 >= 0 ? "+\($0)" : "\($0)" } ?? "?"))") }
                Output.line("Nothing else is sent: no name, no location, nothing about whom you met.")
            }
            let numberText = try processingNumber ?? Self.ask("Processing number (8 digits): ", interactive: interactive) { $0.isEmpty ? nil : $0 }
            guard let number = ProcessingNumber(numberText) else {
                throw CLIError(.dataError, "a processing number is 8 digits (the health centre gives it to you)")
            }
            if !consent {
                guard interactive else { throw CLIError(.failure, "not sending without consent: run it in a terminal, or add --consent") }
                let agreed = try Self.ask("Share these keys with \(base.host ?? base.absoluteString)? [yes/no] ", interactive: true) { answer in
                    ["yes", "y"].contains(answer) ? true : ["no", "n"].contains(answer) ? false : nil
                }
                guard agreed else { throw CLIError(.failure, "not sent: nothing was shared") }
            }

            let stateDirectory = try state.directory(config: target.config).path
            let (pending, saved) = PendingRegistration.forNumber(number.text, directory: stateDirectory, now: now)
            if !saved {
                Output.warning("cannot write \(PendingRegistration.path(in: stateDirectory)); if this run is cut off before the server answers, "
                               + "a retry may be told the number was used although it registered (run as the daemon's user or root to avoid this)")
            }
            var generator = SystemRandomNumberGenerator()
            let submission = DiagnosisSubmission(
                hasSymptom: hasSymptoms, onsetOfSymptomOrTestDate: DiagnosisSubmission.onsetText(day: onset.iso8601, offsetSeconds: TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(onset.unixSeconds)))),
                keys: keys.map { key in
                    DiagnosisSubmission.Key(keyData: Data(key.keyData.bytes).base64EncodedString(), rollingStartNumber: key.rollingStartIntervalNumber.rawValue,
                                            rollingPeriod: key.rollingPeriod, reportType: ReportType.confirmedTest.rawValue)
                },
                regions: [configuration.registrationRegion], verificationPayload: number.text, idempotencyKey: pending.idempotencyKey,
                padding: DiagnosisSubmission.randomPadding(using: &generator))
            if !output.json { Output.line("Sending…") }
            let answer: NotificationServerClient.Answer
            do throws(NotificationServerClient.Failure) {
                answer = try await NotificationServerClient(base: base).register(submission)
            } catch {
                switch error {
                case .unreachable(let detail):
                    throw CLIError(.unavailable, "the notification server could not be reached: \(detail). Nothing was registered; run the same command again later (it will not register twice).")
                case .refused(let status, let code, let message):
                    if status != 429 { PendingRegistration.clear(directory: stateDirectory) }
                    throw CLIError(status == 400 ? .dataError : status == 429 ? .unavailable : .refused, Self.explain(code: code, message: message))
                }
            }
            PendingRegistration.clear(directory: stateDirectory)
            guard answer.body.status == "registered" else {
                throw CLIError(.failure, "the server answered HTTP \(answer.status) without confirming the registration: treat it as not registered")
            }
            let accepted = answer.body.keysAccepted
            if output.json {
                try Output.json(RegisterResult(status: "registered", keysSent: keys.count, keysAccepted: accepted, keysDropped: answer.body.keysDropped))
                return
            }
            if let accepted {
                Output.line("Registered: the server verified the number and accepted \(accepted) of \(keys.count) key\(keys.count == 1 ? "" : "s").")
            } else {
                Output.line("Registered: the server verified the number (it did not say how many of the \(keys.count) keys it kept).")
            }
            Output.line("People you met will be notified without learning who you are. Thank you.")
        }
    }

    struct RegisterResult: Encodable {
        var status: String
        var keysSent: Int
        var keysAccepted: Int?
        var keysDropped: Int?
    }

    /// What the person can do about a refusal.
    static func explain(code: String, message: String) -> String {
        switch code {
        case RegistrationOutcome.unknownNumber.code:
            "the server does not know this processing number. Check the 8 digits; if they are right, ask the health centre for a new number."
        case RegistrationOutcome.expiredNumber.code:
            "this processing number has expired (a number is valid for one hour). Ask the health centre to reissue one, then run this again."
        case RegistrationOutcome.usedNumber.code:
            "this processing number was already used to register. Each number registers once; if that was not you, tell the health centre."
        case "throttled":
            "the server is limiting registration attempts: \(message). Try again later."
        case "http_406":
            // COCOA's own server answers a bad number with a bare 406, without saying which way.
            "the server says the processing number is incorrect (unknown, expired or already used). Check the 8 digits; if they are right, ask the health centre for a new number."
        default:
            "the server refused the registration: \(message)"
        }
    }

    /// Reads an answer until `parse` accepts it (3 tries).
    static func ask<T>(_ question: String, interactive: Bool, parse: (String) -> T?) throws(CLIError) -> T {
        guard interactive else {
            throw CLIError(.dataError, "no terminal to ask \"\(question.trimmingCharacters(in: .whitespaces))\": give it as an option (see --help)")
        }
        for _ in 0..<3 {
            Output.prompt(question)
            guard let line = readLine() else { break }
            if let value = parse(line.trimmingCharacters(in: .whitespaces).lowercased()) { return value }
        }
        throw CLIError(.dataError, "no valid answer to \"\(question.trimmingCharacters(in: .whitespaces))\"")
    }
}
