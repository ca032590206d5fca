import AgentTime
import Crypto
import ExposureNotification
import Foundation
import Hummingbird
import Logging

/// The HTTP interface:
///   PUT  /v3/diagnosis                      register positive keys (COCOA's request; `X-Chaff` → 200, nothing stored)
///   PUT  /v1/logs  (or POST)                store an operation-log zip, answer its log ID
///   POST /v1/admin/cases                    health centre: a new case and processing number (bearer token)
///   POST /v1/admin/cases/{id}/reissue       health centre: replace an unused number (up to 4 times)
///   GET  /v1/admin/statistics               counts (bearer token)
///   GET  /healthz
///   GET  /{container}/{region}/list.json, index.txt, *.zip   the exports, from the database (every
///        instance serves the same bytes), with ETag and Cache-Control; If-None-Match → 304
/// Errors are JSON `{"error": code, "message": text}`; an unknown, expired or used processing
/// number is 406 (what COCOA's app shows as "processing number incorrect") with `error` saying
/// which. Numbers never appear in logs.
public struct NotificationRoutes: Sendable {
    public var registration: RegistrationService
    public var throttle: AttemptThrottle
    public var logThrottle: AttemptThrottle
    public var logs: OperationLogStore
    public var adminToken: String
    /// The container folder the exports are served under (nil: another web server serves them).
    public var exportContainer: String?
    public var clock: AgentClock
    public var logger: Logger
    /// Load balancers whose X-Real-IP / X-Forwarded-For name the client (see `ClientAddress`).
    public var trustedProxies: Set<String> = []
    /// Times requests and counts registrations and refusals (`/metrics`), when set.
    public var metrics: ServerMetrics?

    public init(registration: RegistrationService, throttle: AttemptThrottle, logThrottle: AttemptThrottle, logs: OperationLogStore,
                adminToken: String, exportContainer: String?, clock: AgentClock, logger: Logger) {
        self.registration = registration
        self.throttle = throttle
        self.logThrottle = logThrottle
        self.logs = logs
        self.adminToken = adminToken
        self.exportContainer = exportContainer
        self.clock = clock
        self.logger = logger
    }

    /// Requests larger than this are refused before they are read (a registration is ~5 KB).
    static let maximumRegistrationBytes = 64 * 1024

    public func router() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        if let metrics { router.add(middleware: metrics.middleware()) }
        if let exportContainer {
            router.get("\(exportContainer)/:region/:file") { request, context in
                await publishedFile(request, region: context.parameters.get("region") ?? "", file: context.parameters.get("file") ?? "")
            }
        }
        router.get("healthz") { _, _ in Self.json(.ok, ["status": "ok"]) }
        router.put("v3/diagnosis") { request, context in try await register(request, context: context) }
        router.put("v1/logs") { request, context in try await uploadLog(request, context: context) }
        router.post("v1/logs") { request, context in try await uploadLog(request, context: context) }
        router.post("v1/admin/cases") { request, _ in
            guard authorized(request) else { return Self.unauthorized }
            do throws(RegistrationService.Failure) {
                return Self.json(.created, try await registration.issue(now: now()))
            } catch {
                return failure(error)
            }
        }
        router.post("v1/admin/cases/:case/reissue") { request, context in
            guard authorized(request) else { return Self.unauthorized }
            guard let caseID = context.parameters.get("case") else { return Self.error(.badRequest, "bad_request", "no case id") }
            do throws(RegistrationService.Failure) {
                return Self.json(.ok, try await registration.reissue(caseID: caseID, now: now()))
            } catch {
                return failure(error)
            }
        }
        router.get("v1/admin/statistics") { request, _ in
            guard authorized(request) else { return Self.unauthorized }
            do throws(ServerError) {
                return Self.json(.ok, try await registration.database.statistics())
            } catch {
                return failure(.server(error))
            }
        }
        return router
    }

    func now() -> Int64 { Int64(clock.now()) }

    private func register(_ request: Request, context: ServerRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: Self.maximumRegistrationBytes)
        if request.headers.contains(where: { $0.name.canonicalName == "x-chaff" }) {
            // Chaff: an answer shaped like a registration's, nothing verified or stored.
            let keys = (try? JSONDecoder().decode(DiagnosisSubmission.self, from: Data(buffer: body)))?.keys.count ?? 0
            return Self.json(.ok, RegisteredAnswer(status: "registered", keysAccepted: keys, keysDropped: 0))
        }
        let now = now()
        let attempt: Int64
        do throws(ServerError) {
            switch try await throttle.attempt(client: client(of: request, context: context), now: now) {
            case .wait(let seconds):
                metrics?.recordRefusal(by: .registration)
                return Self.tooMany(seconds)
            case .allowed(let id): attempt = id
            }
        } catch {
            return failure(.server(error))
        }
        // Charged as a failed guess from here; refunded unless it turns out to be one.
        let (response, guessedWrong) = await verify(body, now: now)
        if !guessedWrong {
            do throws(ServerError) {
                try await throttle.refund(attempt)
            } catch {
                logger.warning("could not refund a registration attempt to the guessing budget: \(error)")
            }
        }
        return response
    }

    /// The client the throttle counts: the peer, or for a trusted proxy the client it names.
    func client(of request: Request, context: ServerRequestContext) -> String {
        let peer = context.remoteAddress?.ipAddress
        guard let peer, trustedProxies.contains(peer) else { return context.clientKey }
        func header(_ name: String) -> String? { request.headers.first { $0.name.canonicalName == name }?.value }
        let named = header("x-real-ip").map { $0.trimmingCharacters(in: .whitespaces) }
            ?? header("x-forwarded-for")?.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let named, !named.isEmpty, named.count <= 64 else { return context.clientKey }
        return ServerRequestContext.clientKey(address: named)
    }

    /// An export file or list from the database, revalidated by its entity tag.
    private func publishedFile(_ request: Request, region: String, file: String) async -> Response {
        guard region.allSatisfy({ $0.isLetter || $0.isNumber }), !file.hasPrefix("."), !file.contains("/"), file.count <= 128 else {
            return Self.error(.notFound, "not_found", "no such file")
        }
        let found: PublishedFile?
        do {
            found = try await registration.database.publishedFile(path: "\(region)/\(file)")
        } catch {
            logger.error("cannot read a published file: \(error)")
            return Self.error(.serviceUnavailable, "unavailable", "the key files cannot be read right now; try again later")
        }
        guard let found else { return Self.error(.notFound, "not_found", "no such file") }
        var headers: HTTPFields = [.eTag: found.etag, .cacheControl: found.cacheControl]
        if let given = request.headers[.ifNoneMatch], given.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == found.etag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = found.contentType
        headers[.contentLength] = "\(found.data.count)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: found.data)))
    }

    /// The registration's answer, and whether it was a failed verification of a processing number.
    private func verify(_ body: ByteBuffer, now: Int64) async -> (Response, guessedWrong: Bool) {
        let submission: DiagnosisSubmission
        do {
            submission = try JSONDecoder().decode(DiagnosisSubmission.self, from: Data(buffer: body))
        } catch {
            metrics?.record(outcome: .badRequest)
            return (Self.error(.badRequest, "bad_request", "the body is not COCOA's diagnosis JSON: \(Self.decodingProblem(error))"), false)
        }
        let outcome: RegistrationOutcome
        do {
            outcome = try await registration.register(submission, now: now)
        } catch {
            metrics?.record(failure: error)
            return (failure(error), false)
        }
        switch outcome {
        case .registered(let accepted, let dropped):
            logger.info("registration stored", metadata: ["keys": "\(accepted)", "dropped": "\(dropped)"])
            return (Self.json(.ok, RegisteredAnswer(status: "registered", keysAccepted: accepted, keysDropped: dropped)), false)
        case .unknownNumber, .expiredNumber, .usedNumber:
            logger.notice("registration refused", metadata: ["reason": "\(outcome.code)"])
            // COCOA's app reads 406 as "the processing number is incorrect"; `error` says which way.
            return (Self.error(.notAcceptable, outcome.code, outcome.message), true)
        }
    }

    private func uploadLog(_ request: Request, context: ServerRequestContext) async throws -> Response {
        var request = request
        do throws(ServerError) {
            if case .wait(let seconds) = try await logThrottle.attempt(client: client(of: request, context: context), now: now(), verifies: true) {
                metrics?.recordRefusal(by: .logs)
                return Self.tooMany(seconds)
            }
        } catch {
            logger.error("cannot count an operation-log upload: \(error)")
            return Self.error(.serviceUnavailable, "unavailable", "the server cannot store logs right now")
        }
        let body = try await request.collectBody(upTo: logs.maximumBytes)
        do {
            // Files age by the real clock (their modification times), whatever the server's clock says.
            let id = try logs.store(Data(buffer: body), now: Int64(Date().timeIntervalSince1970))
            logger.info("operation log stored", metadata: ["log_id": "\(id)", "bytes": "\(body.readableBytes)"])
            return Self.json(.created, ["log_id": id])
        } catch .tooLarge(let limit) {
            return Self.error(.contentTooLarge, "too_large", "the log is larger than \(limit) bytes")
        } catch .notAZip {
            return Self.error(.badRequest, "bad_request", "the log is not a zip file")
        } catch {
            logger.error("cannot store an operation log: \(error)")
            return Self.error(.serviceUnavailable, "unavailable", "the server cannot store logs right now")
        }
    }

    private func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let given = Data(header.dropFirst("Bearer ".count).utf8), expected = Data(adminToken.utf8)
        // Constant time: compare MACs of both under a fresh key.
        let key = SymmetricKey(size: .bits256)
        return HMAC<SHA256>.authenticationCode(for: given, using: key) == HMAC<SHA256>.authenticationCode(for: expected, using: key)
    }

    private func failure(_ error: RegistrationService.Failure) -> Response {
        switch error {
        case .badRequest(let detail): return Self.error(.badRequest, "bad_request", detail)
        case .unknownCase: return Self.error(.notFound, "unknown_case", error.description)
        case .caseRegistered: return Self.error(.conflict, "case_registered", error.description)
        case .reissueLimit: return Self.error(.conflict, "reissue_limit", error.description)
        case .server(let failure):
            logger.error("server failure: \(failure)")
            return Self.error(.serviceUnavailable, "unavailable", "the server cannot take registrations right now; try again later")
        }
    }

    struct RegisteredAnswer: Encodable {
        var status: String
        var keysAccepted: Int
        var keysDropped: Int
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, headers extra: HTTPFields = [:]) -> Response {
        let data = (try? SnakeCaseJSON.encoder([.sortedKeys]).encode(value)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) -> Response {
        json(status, ["error": code, "message": message], headers: headers)
    }

    static var unauthorized: Response {
        error(.unauthorized, "unauthorized", "the health-centre endpoints need Authorization: Bearer <admin token>",
              headers: [.wwwAuthenticate: "Bearer"])
    }

    static func tooMany(_ seconds: Int64) -> Response {
        error(.tooManyRequests, "throttled", "too many attempts: try again in \(seconds) s", headers: [.retryAfter: "\(seconds)"])
    }

    static func decodingProblem(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "\(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.dataCorrupted: "not valid JSON"
        default: "\(error)"
        }
    }
}
