import AsyncHTTPClient
import ExposureNotification
import Foundation
import NIOCore

/// Talks to the notification server (`[registration] server`): `PUT /v3/diagnosis` and
/// `PUT /v1/logs`. Network failures, 5xx and 429 are retried with exponential backoff (1, 2, 4, 8 s;
/// a Retry-After up to a minute is honoured); a registration is retried with the same
/// idempotency key, so the server never stores it twice. Only the server's verified answer counts.
struct NotificationServerClient {
    let base: URL
    var attempts = 5
    /// Seconds before the first retry (doubling each time).
    var firstDelay = 1.0

    enum Failure: Error {
        /// The server could not be reached, or stayed unavailable through every retry.
        case unreachable(String)
        /// The server answered with a refusal.
        case refused(status: Int, code: String, message: String)
        /// HTTP 429 asking to wait longer than a minute: how many seconds.
        case throttled(seconds: Int)
    }

    struct Answer {
        var status: Int
        var body: Reply
    }

    /// The fields of the server's JSON answers the agent reads (registration, log upload, errors).
    struct Reply: Decodable {
        var status: String?
        var keysAccepted: Int?
        var keysDropped: Int?
        var logId: String?
        var error: String?
        var message: String?

        /// What `data` holds of these (nothing, if it is not a JSON object). The server's keys are snake_case.
        static func read(_ data: Data) -> Reply {
            (try? SnakeCaseJSON.decoder().decode(Reply.self, from: data)) ?? Reply()
        }
    }

    func register(_ submission: DiagnosisSubmission) async throws(Failure) -> Answer {
        let body: Data
        do {
            body = try JSONEncoder().encode(submission)
        } catch {
            throw .unreachable("cannot encode the request: \(error)")
        }
        return try await send(path: "v3/diagnosis", body: body, contentType: "application/json")
    }

    func uploadLog(_ zip: Data) async throws(Failure) -> Answer {
        try await send(path: "v1/logs", body: zip, contentType: "application/zip")
    }

    private func send(path: String, body: Data, contentType: String) async throws(Failure) -> Answer {
        // A refused or unroutable connection must fail in seconds, so that the retries stay short.
        // A registration is never redirected: the processing number goes only where it was configured.
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30))))
        let result: Result<Answer, Failure>
        do throws(Failure) {
            result = .success(try await sendWithRetries(client: client, path: path, body: body, contentType: contentType))
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        return try result.get()
    }

    private func sendWithRetries(client: HTTPClient, path: String, body: Data, contentType: String) async throws(Failure) -> Answer {
        let url = base.appendingPathComponent(path).absoluteString
        var delay = firstDelay
        var lastProblem = ""
        for attempt in 1...attempts {
            var request = HTTPClientRequest(url: url)
            request.method = .PUT
            request.headers.add(name: "Content-Type", value: contentType)
            request.headers.add(name: "User-Agent", value: "bleagent/\(BLEAgentVersion.current)")
            request.body = .bytes(ByteBuffer(bytes: body))
            var retryAfter: Double?
            do {
                let response = try await client.execute(request, timeout: .seconds(30))
                var data = Data()
                for try await chunk in response.body {
                    guard data.count + chunk.readableBytes <= 64 * 1024 else { break }
                    data.append(contentsOf: chunk.readableBytesView)
                }
                let object = Reply.read(data)
                let status = Int(response.status.code)
                switch status {
                case 200..<300:
                    return Answer(status: status, body: object)
                case 429, 500...:
                    lastProblem = "HTTP \(status)" + (object.message.map { ": \($0)" } ?? "")
                    retryAfter = response.headers.first(name: "retry-after").flatMap(Double.init)
                    if status == 429, let retryAfter, retryAfter > 60 {
                        // A year at most: `Int(_:)` of an infinite or huge header value would trap.
                        throw Failure.throttled(seconds: Int(min(retryAfter, 365 * 86_400)))
                    }
                case 300..<400:
                    let location = response.headers.first(name: "location") ?? "elsewhere"
                    throw Failure.refused(status: status, code: "redirected",
                                          message: "the server redirects to \(location); a registration is sent only to the configured server (check [registration] server)")
                default:
                    throw Failure.refused(status: status, code: object.error ?? "http_\(status)", message: object.message ?? "HTTP \(status)")
                }
            } catch let failure as Failure {
                throw failure
            } catch {
                lastProblem = "\(error)"
            }
            guard attempt < attempts else { break }
            try? await Task.sleep(for: .seconds(max(delay, retryAfter ?? 0)))
            delay *= 2
        }
        throw .unreachable("\(base.absoluteString): \(lastProblem) (tried \(attempts) times)")
    }
}
