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
            let language = output.language
            let hasSymptoms = try symptoms.map { $0 == .yes } ?? Self.ask(.askSymptoms, language, interactive: interactive, parse: YesNoAnswer.parse)
            let dayGiven = hasSymptoms ? onsetDate : testDate
            if hasSymptoms && testDate != nil && onsetDate == nil { throw CLIError(.dataError, RegisterText.onsetDateNeeded) }
            if !hasSymptoms && onsetDate != nil && testDate == nil { throw CLIError(.dataError, RegisterText.testDateNeeded) }
            let onset = try dayGiven.map { text throws(CLIError) in
                guard let day = ExposureDay(iso8601: text) else { throw CLIError(.dataError, RegisterText.notADate(text)) }
                return day
            } ?? Self.ask(hasSymptoms ? .askOnsetDay : .askTestDay, language, interactive: interactive) { ExposureDay(iso8601: $0) }
            let now = configuration.clock.now()   // the daemon's clock: its keys are dated by it
            let today = ExposureDay(unixSeconds: Int64(now))
            guard onset <= today.adding(days: 1) else { throw CLIError(.dataError, RegisterText.inTheFuture(onset.iso8601)) }

            let keys = OnsetRule.keysToShare(try await OwnKeySource.keysOnAir(directory: try state.directory(config: target.config)), onset: onset, today: today)
            guard !keys.isEmpty else {
                throw CLIError(.failure, RegisterText.noKeys(since: OnsetRule.firstSharedDay(onset: onset, today: today).iso8601))
            }
            if !output.json {
                Output.line(RegisterText.keysToShare(count: keys.count, sinceOnset: hasSymptoms).text(language))
                for key in keys { Output.line("  \(key.day.iso8601)  (\(key.daysSinceOnsetOfSymptoms.map { $0 >= 0 ? "+\($0)" : "\($0)" } ?? "?"))") }
                Output.line(RegisterText.nothingElseIsSent.text(language))
            }
            let numberText = try processingNumber ?? Self.ask(.askProcessingNumber, language, interactive: interactive) { $0.isEmpty ? nil : $0 }
            guard let number = ProcessingNumber(numberText) else {
                throw CLIError(.dataError, RegisterText.badProcessingNumber)
            }
            if !consent {
                guard interactive else { throw CLIError(.failure, RegisterText.noConsentWithoutTerminal) }
                let agreed = try Self.ask(.askToShare(host: base.host ?? base.absoluteString), language, interactive: true, parse: YesNoAnswer.parse)
                guard agreed else { throw CLIError(.failure, RegisterText.notSent) }
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
            if !output.json { Output.line(RegisterText.sending.text(language)) }
            let answer: NotificationServerClient.Answer
            do throws(NotificationServerClient.Failure) {
                answer = try await NotificationServerClient(base: base).register(submission)
            } catch {
                switch error {
                case .unreachable(let detail):
                    throw CLIError(.unavailable, RegisterText.unreachable(detail))
                case .refused(let status, let code, let message):
                    if status != 429 { PendingRegistration.clear(directory: stateDirectory) }
                    throw CLIError(status == 400 ? .dataError : status == 429 ? .unavailable : .refused, RegisterText.refusal(code: code, message: message))
                case .throttled(let seconds):
                    // The number was not tried: it stays pending, for the same idempotency key later.
                    throw CLIError(.unavailable, RegisterText.throttled(seconds: seconds))
                }
            }
            PendingRegistration.clear(directory: stateDirectory)
            guard answer.body.status == "registered" else {
                throw CLIError(.failure, RegisterText.unconfirmed(httpStatus: answer.status))
            }
            let accepted = answer.body.keysAccepted
            if output.json {
                try Output.json(RegisterResult(status: "registered", keysSent: keys.count, keysAccepted: accepted, keysDropped: answer.body.keysDropped))
                return
            }
            Output.line((accepted.map { RegisterText.registered(accepted: $0, sent: keys.count) } ?? .registeredUncounted(sent: keys.count)).text(language))
            Output.line(RegisterText.thanks.text(language))
        }
    }

    struct RegisterResult: Encodable {
        var status: String
        var keysSent: Int
        var keysAccepted: Int?
        var keysDropped: Int?
    }

    /// Reads an answer until `parse` accepts it (3 tries).
    static func ask<T>(_ question: RegisterText, _ language: Language, interactive: Bool, parse: (String) -> T?) throws(CLIError) -> T {
        guard interactive else { throw CLIError(.dataError, RegisterText.noTerminalToAsk(question: question)) }
        for _ in 0..<3 {
            Output.prompt(question.text(language))
            guard let line = readLine() else { break }
            if let value = parse(line.trimmingCharacters(in: .whitespaces).lowercased()) { return value }
        }
        throw CLIError(.dataError, RegisterText.noValidAnswer(question: question))
    }
}
