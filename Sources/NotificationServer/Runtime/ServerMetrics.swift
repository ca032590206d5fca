import CoreMetrics
import Foundation
import Hummingbird
import Prometheus
import Synchronization

/// What `/metrics` shows, in Prometheus' text format: registrations by outcome, throttle refusals,
/// export passes, keys published and padding, and HTTP latency by route. The code that counts uses
/// swift-metrics' types; swift-prometheus keeps the values, in a registry of this runtime's own (no
/// global metrics system): each server process shows its own counters and Prometheus scrapes each.
/// Nothing here is labelled with a number, key, client address or path a client chose.
public final class ServerMetrics: Sendable {
    /// How a registration (`PUT /v3/diagnosis`) ended, the `outcome` label.
    public enum Outcome: String, Sendable, CaseIterable {
        case registered
        /// The same request (idempotency key and content) again: answered as before, nothing stored.
        case repeated
        case unknownNumber = "unknown_number"
        case expiredNumber = "expired_number"
        case usedNumber = "used_number"
        case badRequest = "bad_request"
        /// The database failed: the client was asked to try later.
        case unavailable
    }

    /// Which budget refused a request (HTTP 429), the `budget` label.
    public enum Throttle: String, Sendable, CaseIterable {
        case registration
        case logs
    }

    /// Upper bounds of the latency histogram's buckets.
    static let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                             .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                             .milliseconds(2_500), .seconds(5), .seconds(10)]

    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let registrations: [Outcome: CoreMetrics.Counter]
    private let throttled: [Throttle: CoreMetrics.Counter]
    private let exportPasses: (succeeded: CoreMetrics.Counter, failed: CoreMetrics.Counter)
    private let filesWritten: CoreMetrics.Counter
    private let keysPublished: CoreMetrics.Counter
    private let paddingKeys: CoreMetrics.Counter
    /// Latency histograms by (route, status class), made on first use: routes are the router's patterns.
    private let latency = Mutex<[String: CoreMetrics.Timer]>([:])

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.factory = factory
        let registry = registry
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
            let handler = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "total", helpText: help), labels: labels)
            return CoreMetrics.Counter(label: name + "_total", dimensions: labels, handler: handler, factory: factory)
        }
        registrations = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { outcome in
            (outcome, counter("bleagent_registrations", "Registrations (PUT /v3/diagnosis) by outcome; chaff is not counted.",
                              [("outcome", outcome.rawValue)]))
        })
        throttled = Dictionary(uniqueKeysWithValues: Throttle.allCases.map { budget in
            (budget, counter("bleagent_throttle_refusals", "Requests refused with 429 because a budget was spent, by budget.",
                             [("budget", budget.rawValue)]))
        })
        let passHelp = "Export passes of the running server, by result (failed: keys stay queued for the next pass)."
        exportPasses = (counter("bleagent_export_passes", passHelp, [("result", "succeeded")]),
                        counter("bleagent_export_passes", passHelp, [("result", "failed")]))
        filesWritten = counter("bleagent_export_files", "Signed export files written (new or finished after an interruption).")
        keysPublished = counter("bleagent_keys_published", "Diagnosis keys published in export files (padding not included).")
        paddingKeys = counter("bleagent_padding_keys", "Random keys added to export files to pad small batches.")
    }

    public func record(outcome: Outcome) {
        registrations[outcome]?.increment()
    }

    /// A failure of the registration service, counted as the client saw it.
    public func record(failure: RegistrationService.Failure) {
        record(outcome: failure.isServerFailure ? .unavailable : .badRequest)
    }

    /// The database's answer to a registration.
    public func record(result: RegistrationResult) {
        switch result {
        case .registered: record(outcome: .registered)
        case .repeated: record(outcome: .repeated)
        case .unknownNumber: record(outcome: .unknownNumber)
        case .expiredNumber: record(outcome: .expiredNumber)
        case .usedNumber: record(outcome: .usedNumber)
        }
    }

    public func recordRefusal(by budget: Throttle) {
        throttled[budget]?.increment()
    }

    /// One export pass of `serve` (nil: it failed).
    public func recordExportPass(_ report: ExportWorker.Report?) {
        guard let report else {
            exportPasses.failed.increment()
            return
        }
        exportPasses.succeeded.increment()
        filesWritten.increment(by: Int64(report.filesWritten + report.filesResumed))
        keysPublished.increment(by: Int64(report.keysPublished))
        paddingKeys.increment(by: Int64(report.paddingKeys))
    }

    /// One answered HTTP request: its route pattern ("/v3/diagnosis"), status and time taken.
    public func recordRequest(route: String, status: Int, duration: Duration) {
        let statusClass = (100...599).contains(status) ? "\(status / 100)xx" : "other"
        let key = route + " " + statusClass
        let timer = latency.withLock { timers in
            if let timer = timers[key] { return timer }
            let labels = [("route", route), ("status", statusClass)]
            let histogram = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(metricName: "bleagent_http_request_duration", unitName: "seconds",
                                                 helpText: "Time from a request's arrival to its response (head), by route pattern and status class."),
                labels: labels, buckets: Self.latencyBuckets)
            let timer = CoreMetrics.Timer(label: "bleagent_http_request_duration_seconds", dimensions: labels, handler: histogram, factory: factory)
            timers[key] = timer
            return timer
        }
        timer.record(duration: duration)
    }

    /// Everything, in Prometheus' text exposition format (version 0.0.4).
    public func exposition() -> String {
        String(decoding: registry.emitToBuffer(), as: UTF8.self)
    }

    /// Times every request, outermost (so files the export folder serves are timed too).
    public func middleware<Context: RequestContext>() -> some RouterMiddleware<Context> {
        RequestTimer(metrics: self)
    }

    /// `GET /metrics` on `router`.
    public func serve<Context: RequestContext>(on router: Router<Context>) {
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: self.exposition())))
        }
    }

    struct RequestTimer<Context: RequestContext>: RouterMiddleware {
        let metrics: ServerMetrics

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            let start = ContinuousClock.now
            do {
                let response = try await next(request, context)
                metrics.recordRequest(route: Self.route(context.endpointPath, status: response.status.code),
                                      status: response.status.code, duration: .now - start)
                return response
            } catch {
                let status = (error as? any HTTPResponseError)?.status.code ?? 500
                metrics.recordRequest(route: Self.route(context.endpointPath, status: status), status: status, duration: .now - start)
                throw error
            }
        }

        /// The matched route's pattern; a request no route took ("NotFound" to Hummingbird) is a file of
        /// the export folder when it was answered, else "unmatched" (never the path: clients choose paths).
        static func route(_ endpoint: String?, status: Int) -> String {
            if let endpoint, endpoint != "NotFound" { return endpoint }
            return status < 400 ? "exports" : "unmatched"
        }
    }
}

extension RegistrationService.Failure {
    /// True when the server, not the request, failed.
    var isServerFailure: Bool {
        if case .server = self { return true }
        return false
    }
}
