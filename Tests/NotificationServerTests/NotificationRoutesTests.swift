import AsyncHTTPClient
import ExposureNotification
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
@testable import NotificationServer
import ServiceLifecycle
import TestSupport
import Testing

/// The HTTP interface over real loopback HTTP (Hummingbird in this process, AsyncHTTPClient).
@Suite(.serialized) struct NotificationRoutesTests {
    struct Server {
        var base: String
        var runtime: ServerRuntime
        var directory: TemporaryDirectory

        func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = []) async throws -> (Int, [String: Any], HTTPHeaders) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let buffer = try await response.body.collect(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
            return (Int(response.status.code), object, response.headers)
        }

        func admin(_ path: String) async throws -> (Int, [String: Any], HTTPHeaders) {
            try await send(.POST, path, headers: [("Authorization", "Bearer \(runtime.secrets.adminToken)")])
        }

        func register(_ submission: DiagnosisSubmission, headers: [(String, String)] = []) async throws -> (Int, [String: Any], HTTPHeaders) {
            try await send(.PUT, "/v3/diagnosis", body: try JSONEncoder().encode(submission), headers: headers)
        }
    }

    func withServer(attemptsPerClient: Int = 50, failuresPerHour: Int = 1_000, trustedProxies: [String] = [],
                    _ body: (Server) async throws -> Void) async throws {
        let directory = TemporaryDirectory()
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory.path
        configuration.attemptsPerClientPerHour = attemptsPerClient
        configuration.failedAttemptsPerHour = failuresPerHour
        configuration.trustedProxies = trustedProxies
        configuration.minimumKeys = 5
        let logger = Logger(label: "test")
        _ = try ServerSecrets.create(configuration)
        let runtime = try await ServerRuntime.open(configuration, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: runtime.routes().router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(Server(base: "http://127.0.0.1:\(port)", runtime: runtime, directory: directory))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await runtime.close()
    }

    var today: ExposureDay { ExposureDay(unixSeconds: Int64(Date().timeIntervalSince1970)) }

    @Test func registrationAnswersEachCaseDistinctly() async throws {
        try await withServer { server in
            let (status, issued, _) = try await server.admin("/v1/admin/cases")
            #expect(status == 201)
            let number = try #require(issued["processing_number"] as? String)
            // No usable key (all from before onset − 2 days): refused, and the number is not spent.
            var (code, body, _) = try await server.register(submission(number: number, keys: [key(day: today.adding(days: -5), seed: 3)], onset: today))
            #expect(code == 400 && (body["message"] as? String)?.contains("processing number was not used") == true, "\(body)")
            let request = submission(number: number, keys: [key(day: today, seed: 1)], onset: today)
            (code, body, _) = try await server.register(request)
            #expect(code == 200 && body["status"] as? String == "registered" && body["keys_accepted"] as? Int == 1)
            // A replay of the very same request (the reply was lost): the same answer, nothing stored twice.
            (code, body, _) = try await server.register(request)
            #expect(code == 200 && body["status"] as? String == "registered")
            #expect(try await server.runtime.database.statistics().pendingKeys == 1)
            // The same number in a new request: used.
            (code, body, _) = try await server.register(submission(number: number, keys: [key(day: today, seed: 2)], onset: today))
            // Unknown, used and expired numbers are all 406 (COCOA's app: "processing number incorrect"); `error` says which.
            #expect(code == 406 && body["error"] as? String == "processing_number_used")
            // A number nobody issued.
            (code, body, _) = try await server.register(submission(number: number == "00000000" ? "00000001" : "00000000", keys: [key(day: today, seed: 1)], onset: today))
            #expect(code == 406 && body["error"] as? String == "processing_number_unknown")
            // Expired: issued two hours "ago" by a runtime whose clock is behind.
            var earlier = server.runtime.configuration
            earlier.clock.offset = -7_200
            let past = try await ServerRuntime.open(earlier, logger: Logger(label: "test"))
            let old = try await past.registration.issue(now: past.now())
            await past.close()
            (code, body, _) = try await server.register(submission(number: old.processingNumber, keys: [key(day: today, seed: 1)], onset: today))
            #expect(code == 406 && body["error"] as? String == "processing_number_expired")
            #expect((body["message"] as? String)?.contains("reissue") == true)
        }
    }

    @Test func badRequestsAndChaff() async throws {
        try await withServer { server in
            var (code, body, _) = try await server.send(.PUT, "/v3/diagnosis", body: Data("{\"hasSymptom\": true}".utf8))
            #expect(code == 400 && (body["message"] as? String)?.contains("missing") == true)
            (code, body, _) = try await server.register(submission(number: "1234", keys: [], onset: today))
            #expect(code == 400 && (body["message"] as? String)?.contains("8-digit") == true)
            (code, body, _) = try await server.register(submission(number: "12345678", keys: [], onset: today, regions: ["999"]))
            #expect(code == 400 && (body["message"] as? String)?.contains("served") == true)
            (code, _, _) = try await server.send(.PUT, "/v3/diagnosis", body: Data(repeating: 0x20, count: 100_000))
            #expect(code == 413)
            // Chaff: answered like a registration, nothing verified, nothing stored.
            let before = try await server.runtime.database.statistics()
            (code, body, _) = try await server.register(submission(number: "12345678", keys: [key(day: today, seed: 5)], onset: today),
                                                        headers: [("X-Chaff", "1")])
            #expect(code == 200 && body["status"] as? String == "registered" && body["keys_accepted"] as? Int == 1 && body["keys_dropped"] as? Int == 0)
            #expect(try await server.runtime.database.statistics() == before)
        }
    }

    @Test func guessingIsThrottledPerClientAndGlobally() async throws {
        try await withServer(attemptsPerClient: 3, failuresPerHour: 1_000) { server in
            for _ in 0..<3 {
                let (code, _, _) = try await server.register(submission(number: ProcessingNumber.generate().text, keys: [key(day: today, seed: 1)], onset: today))
                #expect(code == 406)
            }
            let (code, body, headers) = try await server.register(submission(number: ProcessingNumber.generate().text, keys: [key(day: today, seed: 1)], onset: today))
            #expect(code == 429 && body["error"] as? String == "throttled")
            #expect(Int(headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
        }
        try await withServer(attemptsPerClient: 100, failuresPerHour: 2) { server in
            let (_, issued, _) = try await server.admin("/v1/admin/cases")
            for _ in 0..<2 { _ = try await server.register(submission(number: ProcessingNumber.generate().text, keys: [key(day: today, seed: 1)], onset: today)) }
            // Past the global failure budget even a right number waits: guessing must not pay.
            let number = try #require(issued["processing_number"] as? String)
            let (code, _, _) = try await server.register(submission(number: number, keys: [key(day: today, seed: 1)], onset: today))
            #expect(code == 429)
        }
    }

    @Test func healthCentreEndpointsNeedTheToken() async throws {
        try await withServer { server in
            var (code, body, headers) = try await server.send(.POST, "/v1/admin/cases")
            #expect(code == 401 && headers.first(name: "WWW-Authenticate") == "Bearer")
            (code, _, _) = try await server.send(.POST, "/v1/admin/cases", headers: [("Authorization", "Bearer wrong")])
            #expect(code == 401)
            (code, body, _) = try await server.admin("/v1/admin/cases")
            let caseID = try #require(body["case_id"] as? String)
            (code, body, _) = try await server.admin("/v1/admin/cases/\(caseID)/reissue")
            #expect(code == 200 && body["reissues_left"] as? Int == 3)
            (code, body, _) = try await server.admin("/v1/admin/cases/unknown/reissue")
            #expect(code == 404 && body["error"] as? String == "unknown_case")
        }
    }

    @Test func operationLogsAreStoredUnderARandomID() async throws {
        try await withServer { server in
            let zip = try ExportWriter.zip(entries: [("operation-log.json", Data("{}".utf8))])
            var (code, body, _) = try await server.send(.PUT, "/v1/logs", body: zip)
            #expect(code == 201)
            let id = try #require(body["log_id"] as? String)
            let stored = try #require(server.runtime.logs.path(of: id))
            #expect(FileManager.default.contents(atPath: stored) == zip)
            (code, body, _) = try await server.send(.PUT, "/v1/logs", body: Data("not a zip".utf8))
            #expect(code == 400)
        }
    }

    @Test func theExportsAreServedFromTheDatabaseWithEntityTags() async throws {
        try await withServer { server in
            let (_, issued, _) = try await server.admin("/v1/admin/cases")
            let number = try #require(issued["processing_number"] as? String)
            let (code, _, _) = try await server.register(submission(number: number, keys: [key(day: today.adding(days: -2), seed: 4)], onset: today))
            #expect(code == 200)
            _ = try await server.runtime.worker.run(now: server.runtime.now(), nowMillis: server.runtime.nowMillis())
            var (status, _, headers) = try await server.send(.GET, "/c19r/440/list.json")
            #expect(status == 200 && headers.first(name: "Content-Type")?.contains("json") == true)
            #expect(headers.first(name: "Cache-Control") == "public, max-age=60")
            let list = try #require(try await server.runtime.database.publishedFile(path: "440/list.json"))
            let tag = try #require(headers.first(name: "ETag"))
            #expect(tag == list.etag)
            (status, _, headers) = try await server.send(.GET, "/c19r/440/list.json", headers: [("If-None-Match", tag)])
            #expect(status == 304)
            // The zip: the bytes the database holds, cacheable for good.
            let entries = try #require(try JSONSerialization.jsonObject(with: list.data) as? [[String: Any]])
            let name = try #require((entries.first?["url"] as? String)?.split(separator: "/").last.map(String.init))
            var request = HTTPClientRequest(url: "\(server.base)/c19r/440/\(name)")
            request.method = .GET
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
            #expect(response.status.code == 200 && response.headers.first(name: "Cache-Control")?.contains("immutable") == true)
            #expect(body == (try await server.runtime.database.publishedFile(path: "440/\(name)"))?.data)
            (status, _, _) = try await server.send(.GET, "/c19r/440/..list.json")
            #expect(status == 404)
            (status, _, _) = try await server.send(.GET, "/c19r/440/nothing.zip")
            #expect(status == 404)
        }
    }

    /// Behind a trusted load balancer every client arrives from its address: the throttle counts the
    /// client it names instead (X-Real-IP, else the last X-Forwarded-For), and only for that proxy.
    @Test func aTrustedProxyNamesTheClient() async throws {
        try await withServer(attemptsPerClient: 2, trustedProxies: ["127.0.0.1"]) { server in
            for client in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
                for _ in 0..<2 {
                    let (code, _, _) = try await server.register(submission(number: ProcessingNumber.generate().text, keys: [key(day: today, seed: 1)], onset: today),
                                                                 headers: [("X-Real-IP", client)])
                    #expect(code == 406)
                }
            }
            let (code, _, _) = try await server.register(submission(number: ProcessingNumber.generate().text, keys: [key(day: today, seed: 1)], onset: today),
                                                         headers: [("X-Forwarded-For", "203.0.113.9, 192.0.2.1")])
            #expect(code == 429, "the last X-Forwarded-For entry is the client the proxy saw")
        }
        try await withServer(attemptsPerClient: 2) { server in
            for client in ["192.0.2.1", "192.0.2.2"] {
                let (code, _, _) = try await server.register(submission(number: ProcessingNumber.generate().text, keys: [key(day: today, seed: 1)], onset: today),
                                                             headers: [("X-Real-IP", client)])
                #expect(code == 406)
            }
            let (code, _, _) = try await server.register(submission(number: ProcessingNumber.generate().text, keys: [key(day: today, seed: 1)], onset: today),
                                                         headers: [("X-Real-IP", "192.0.2.3")])
            #expect(code == 429, "an untrusted peer cannot pick its own client address")
        }
    }
}
