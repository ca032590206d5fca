import Crypto
import ExposureNotification
import Foundation

/// The health-centre side (issuing processing numbers) and the registration of positive keys.
public struct RegistrationService: Sendable {
    public struct Settings: Sendable {
        public var regions: [String]
        /// A number is valid this long after it is issued (COCOA/HER-SYS: one hour).
        public var numberLifetime: Int64 = 3_600
        /// Unused numbers of a case can be replaced this many times.
        public var maximumReissues = 4
        public var validation = KeyValidation()

        public init(regions: [String]) {
            self.regions = regions
        }
    }

    public struct IssuedNumber: Sendable, Equatable, Codable {
        public var caseID: String
        public var processingNumber: String
        public var expiresAt: Int64
        public var reissuesLeft: Int
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The request itself is unusable (HTTP 400).
        case badRequest(String)
        case unknownCase
        case caseRegistered
        case reissueLimit(Int)
        case server(ServerError)

        public var description: String {
            switch self {
            case .badRequest(let detail): detail
            case .unknownCase: "no such case"
            case .caseRegistered: "this case has registered already: no new number is issued after a registration"
            case .reissueLimit(let limit): "this case's number was reissued \(limit) times already, the most allowed"
            case .server(let error): error.description
            }
        }
    }

    public let database: any ServerDatabase
    let secret: SymmetricKey
    public let settings: Settings
    /// Counts the database's answers to registrations (`/metrics`), when set.
    public var metrics: ServerMetrics?

    public init(database: any ServerDatabase, secret: SymmetricKey, settings: Settings) {
        self.database = database
        self.secret = secret
        self.settings = settings
    }

    /// A new case and its first processing number.
    public func issue(now: Int64) async throws(Failure) -> IssuedNumber {
        let caseID = Self.randomHex(bytes: 12)
        for _ in 0..<16 {
            let number = ProcessingNumber.generate()
            do {
                if try await database.createCase(id: caseID, numberHash: number.keyedHash(secret: secret), now: now,
                                                 expiresAt: now + settings.numberLifetime) {
                    return IssuedNumber(caseID: caseID, processingNumber: number.text, expiresAt: now + settings.numberLifetime,
                                        reissuesLeft: settings.maximumReissues)
                }
            } catch {
                throw .server(error)
            }
        }
        throw .server(.database("could not draw an unused processing number in 16 tries: too many numbers outstanding"))
    }

    /// A new number for a case whose earlier numbers went unused (they stop working).
    public func reissue(caseID: String, now: Int64) async throws(Failure) -> IssuedNumber {
        guard let issued = try await reissue(caseID: caseID, now: now, onlyIfExpired: false) else {
            throw .server(.database("reissue of case \(caseID) was refused as not due"))
        }
        return issued
    }

    /// With `onlyIfExpired`, nil when the case's number has not expired (another instance replaced it).
    private func reissue(caseID: String, now: Int64, onlyIfExpired: Bool) async throws(Failure) -> IssuedNumber? {
        for _ in 0..<16 {
            let number = ProcessingNumber.generate()
            let result: ReissueResult
            do {
                result = try await database.reissue(caseID: caseID, numberHash: number.keyedHash(secret: secret), now: now,
                                                    expiresAt: now + settings.numberLifetime, maximumReissues: settings.maximumReissues,
                                                    onlyIfExpired: onlyIfExpired)
            } catch .database(let detail) where detail.hasPrefix("number collision") {
                continue
            } catch {
                throw .server(error)
            }
            switch result {
            case .issued(let left):
                return IssuedNumber(caseID: caseID, processingNumber: number.text, expiresAt: now + settings.numberLifetime, reissuesLeft: left)
            case .unknownCase: throw .unknownCase
            case .alreadyRegistered: throw .caseRegistered
            case .limitReached: throw .reissueLimit(settings.maximumReissues)
            case .notDue: return nil
            }
        }
        throw .server(.database("could not draw an unused processing number in 16 tries"))
    }

    /// The automatic reissue (HER-SYS did it from January 2021): every case whose number expired
    /// unused in the last day gets a new one, up to `maximumReissues` times, never after a
    /// registration. The caller delivers them (only the caller ever sees a number). Every instance
    /// runs it; a case whose number another instance replaced meanwhile is skipped, so it gets one
    /// new number (one SMS), not one per instance.
    public func reissueExpired(now: Int64) async throws(Failure) -> [IssuedNumber] {
        let cases: [String]
        do {
            cases = try await database.casesAwaitingReissue(now: now, since: now - 86_400, maximumReissues: settings.maximumReissues)
        } catch {
            throw .server(error)
        }
        var issued: [IssuedNumber] = []
        for caseID in cases {
            do {
                if let number = try await reissue(caseID: caseID, now: now, onlyIfExpired: true) { issued.append(number) }
            } catch .server(let error) {
                throw .server(error)
            } catch {
                continue   // registered or at the limit meanwhile
            }
        }
        return issued
    }

    /// Verifies the number and stores the valid keys, in one transaction.
    public func register(_ submission: DiagnosisSubmission, now: Int64) async throws(Failure) -> RegistrationOutcome {
        guard let number = ProcessingNumber(submission.verificationPayload) else {
            throw .badRequest("verificationPayload must be the 8-digit processing number")
        }
        let regions = submission.regions.filter(settings.regions.contains)
        guard let region = regions.first else {
            throw .badRequest("none of the regions \(submission.regions) is served here (served: \(settings.regions.joined(separator: ", ")))")
        }
        guard !submission.idempotencyKey.isEmpty, submission.idempotencyKey.count <= 128 else {
            throw .badRequest("idempotency_key must be a UUID")
        }
        let validated: KeyValidation.Result
        do {
            validated = try settings.validation.validate(submission, now: now)
        } catch {
            throw .badRequest(error.description)
        }
        // Nothing usable: refuse before the number is looked at, so it stays valid for a corrected request.
        guard !validated.keys.isEmpty else {
            let reasons = validated.dropped.map { "\($0.value) \($0.key.rawValue)" }.sorted().joined(separator: "; ")
            throw .badRequest("none of the \(submission.keys.count) keys can be used\(reasons.isEmpty ? "" : " (\(reasons))"): "
                              + "nothing was stored and the processing number was not used")
        }
        let pending = validated.keys.map { key in
            PendingKey(key, region: region, idempotencyKey: submission.idempotencyKey)
        }
        let result: RegistrationResult
        do {
            result = try await database.register(numberHash: number.keyedHash(secret: secret), idempotencyKey: submission.idempotencyKey,
                                                 requestDigest: Self.digest(submission), keys: pending, now: now)
        } catch {
            throw .server(error)
        }
        metrics?.record(result: result)
        switch result {
        case .registered, .repeated: return .registered(accepted: validated.keys.count, dropped: validated.droppedCount)
        case .unknownNumber: return .unknownNumber
        case .expiredNumber: return .expiredNumber
        case .usedNumber: return .usedNumber
        }
    }

    /// What makes two requests "the same" for a retry: everything but the padding.
    static func digest(_ submission: DiagnosisSubmission) -> Data {
        var hash = SHA256()
        let keys = submission.keys.map { "\($0.keyData),\($0.rollingStartNumber),\($0.rollingPeriod),\($0.reportType ?? 0)" }.sorted()
        let text = ["\(submission.hasSymptom)", submission.onsetOfSymptomOrTestDate, submission.regions.joined(separator: ","),
                    submission.verificationPayload, submission.idempotencyKey] + keys
        hash.update(data: Data(text.joined(separator: "\n").utf8))
        return Data(hash.finalize())
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
