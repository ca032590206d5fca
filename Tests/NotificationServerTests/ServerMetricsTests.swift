import ExposureNotification
import Foundation
@testable import NotificationServer
import Testing

/// `/metrics`: each registration outcome counted once, refusals, export passes, latency by route —
/// and nothing a client sent (numbers, keys, paths) in the text.
extension NotificationRoutesTests {
    /// The value of the sample `name{labels}` in Prometheus' text, nil when absent.
    func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func metricsCountEachOutcome() async throws {
        try await withServer(attemptsPerClient: 8) { server in
            let (_, issued, _) = try await server.admin("/v1/admin/cases")
            let number = try #require(issued["processing_number"] as? String)
            let request = submission(number: number, keys: [key(day: today, seed: 1)], onset: today)
            _ = try await server.register(request)                                                                  // registered
            _ = try await server.register(request)                                                                  // repeated
            _ = try await server.register(submission(number: number, keys: [key(day: today, seed: 2)], onset: today)) // used
            _ = try await server.register(submission(number: number == "00000000" ? "00000001" : "00000000",
                                                     keys: [key(day: today, seed: 1)], onset: today))               // unknown
            _ = try await server.send(.PUT, "/v3/diagnosis", body: Data("{".utf8))                                 // bad request
            _ = try await server.register(submission(number: "1234", keys: [], onset: today))                      // bad request
            _ = try await server.register(submission(number: "12345678", keys: [key(day: today, seed: 1)], onset: today), headers: [("X-Chaff", "1")])
            for _ in 0..<3 { _ = try await server.register(submission(number: number, keys: [key(day: today, seed: 3)], onset: today)) }
            _ = try await server.send(.GET, "/no/such/thing")
            server.runtime.metrics.recordExportPass(try await server.runtime.worker.run(now: server.runtime.now()))
            server.runtime.metrics.recordExportPass(nil)

            let text = server.runtime.metrics.exposition()
            let outcomes = ["registered": 1.0, "repeated": 1, "unknown_number": 1, "expired_number": 0, "bad_request": 2, "unavailable": 0]
            for (outcome, count) in outcomes {
                #expect(sample(text, "bleagent_registrations_total{outcome=\"\(outcome)\"}") == count, "\(outcome)\n\(text)")
            }
            // 8 attempts per client: the used number twice more, then two refusals.
            #expect(sample(text, "bleagent_registrations_total{outcome=\"used_number\"}") == 3, "\(text)")
            #expect(sample(text, "bleagent_throttle_refusals_total{budget=\"registration\"}") == 1, "\(text)")
            #expect(sample(text, "bleagent_throttle_refusals_total{budget=\"logs\"}") == 0)
            #expect(sample(text, "bleagent_export_passes_total{result=\"succeeded\"}") == 1 && sample(text, "bleagent_export_passes_total{result=\"failed\"}") == 1)
            #expect(sample(text, "bleagent_keys_published_total") == 0 && sample(text, "bleagent_padding_keys_total") == 0)
            #expect(sample(text, "bleagent_http_request_duration_seconds_count{route=\"/v3/diagnosis\",status=\"2xx\"}") == 3, "\(text)")
            #expect(sample(text, "bleagent_http_request_duration_seconds_count{route=\"/v3/diagnosis\",status=\"4xx\"}") ?? 0 >= 5)
            #expect(sample(text, "bleagent_http_request_duration_seconds_count{route=\"unmatched\",status=\"4xx\"}") == 1, "\(text)")
            #expect(text.contains("# HELP bleagent_registrations_total") && text.contains("# TYPE bleagent_http_request_duration_seconds histogram"))
            #expect(!text.contains(number) && !text.contains("no/such"))
        }
    }
}
