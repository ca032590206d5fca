import AsyncHTTPClient
import ExposureNotification
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// What a download round needs to fetch: an index into memory, a key file onto disk. Each at most
/// `maximumBytes`, whole within `timeout`.
protocol KeyFetcher: Sendable {
    func fetch(_ url: URL, maximumBytes: Int, timeout: Duration) async throws -> Data
    /// Writes the file at `url` to `destination` (created 0600, or truncated), never holding it whole in memory.
    func download(_ url: URL, to destination: String, maximumBytes: Int, timeout: Duration) async throws
}

/// Fetches key server files over HTTPS (see `TransportSecurity`) with a size cap and a timeout.
/// The client given must not follow redirects itself (`redirectConfiguration: .disallow`): they are
/// followed here, each hop checked.
struct KeyDownloader: KeyFetcher {
    let client: HTTPClient
    var security = TransportSecurity()

    struct Failure: Error, CustomStringConvertible {
        var url: String
        var reason: String
        var description: String { "\(url): \(reason)" }
    }

    /// The file at `url`, whole within `timeout` (the response head and every byte of the body: a
    /// server that sends slowly or stops sending is given up on), at most `maximumBytes`.
    func fetch(_ url: URL, maximumBytes: Int, timeout: Duration) async throws(Failure) -> Data {
        let collected = Collected()
        try await withTimeout(url, timeout) { () throws(Failure) in
            try await self.transfer(url, maximumBytes: maximumBytes, timeout: timeout) { chunk throws(Failure) in collected.data.append(contentsOf: chunk.readableBytesView) }
        }
        return collected.data
    }

    func download(_ url: URL, to destination: String, maximumBytes: Int, timeout: Duration) async throws(Failure) {
        let descriptor = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Failure(url: url.absoluteString, reason: "cannot write \(destination): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        try await withTimeout(url, timeout) { () throws(Failure) in
            try await self.transfer(url, maximumBytes: maximumBytes, timeout: timeout) { chunk throws(Failure) in
                try chunk.withUnsafeReadableBytes { bytes throws(Failure) in
                    var written = 0
                    while written < bytes.count {
                        let result = write(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written)
                        if result < 0 && errno == EINTR { continue }
                        guard result > 0 else {
                            throw Failure(url: url.absoluteString, reason: "cannot write \(destination): \(String(cString: strerror(errno)))")
                        }
                        written += result
                    }
                }
            }
        }
    }

    static func stalled(_ url: URL, _ timeout: Duration) -> Failure {
        Failure(url: url.absoluteString, reason: "stalled: not received whole within \(timeout.components.seconds) s")
    }

    /// A mutable box one transfer's chunks are collected in (the transfer runs in a child task).
    private final class Collected: @unchecked Sendable {
        var data = Data()
    }

    /// Runs `body`, giving up when `timeout` passes first.
    private func withTimeout(_ url: URL, _ timeout: Duration, _ body: @escaping @Sendable () async throws(Failure) -> Void) async throws(Failure) {
        let outcome: Result<Void, Failure> = await withTaskGroup(of: Result<Void, Failure>?.self) { group in
            group.addTask { do throws(Failure) { try await body(); return .success(()) } catch { return .failure(error) } }
            group.addTask { try? await Task.sleep(for: timeout); return Task.isCancelled ? nil : .failure(Self.stalled(url, timeout)) }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(Self.stalled(url, timeout))
        }
        try outcome.get()
    }

    /// GETs `url`, following up to `TransportSecurity.maximumRedirects` redirects (each target
    /// checked before it is contacted), and hands each chunk of a 200 answer's body to `consume`.
    private func transfer(_ url: URL, maximumBytes: Int, timeout: Duration,
                          consume: (ByteBuffer) throws(Failure) -> Void) async throws(Failure) {
        var target = url
        for _ in 0...TransportSecurity.maximumRedirects {
            if let refusal = security.refusal(target, table: "keys") {
                throw Failure(url: url.absoluteString, reason: target == url ? refusal : "redirected to \(refusal)")
            }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(HTTPClientRequest(url: target.absoluteString), timeout: .seconds(Int64(timeout.components.seconds)))
            } catch {
                throw Failure(url: url.absoluteString, reason: "\(error)")
            }
            if [301, 302, 303, 307, 308].contains(response.status.code) {
                guard let location = response.headers.first(name: "location"), let next = URL(string: location, relativeTo: target)?.absoluteURL else {
                    throw Failure(url: url.absoluteString, reason: "HTTP \(response.status.code) without a usable Location")
                }
                target = next
                continue
            }
            guard response.status.code == 200 else {
                throw Failure(url: url.absoluteString, reason: "HTTP \(response.status.code)")
            }
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maximumBytes {
                throw Failure(url: url.absoluteString, reason: "\(length) bytes, above the \(maximumBytes)-byte limit")
            }
            var received = 0
            do {
                for try await chunk in response.body {
                    guard received + chunk.readableBytes <= maximumBytes else {
                        throw Failure(url: url.absoluteString, reason: "larger than the \(maximumBytes)-byte limit")
                    }
                    received += chunk.readableBytes
                    try consume(chunk)
                }
            } catch let failure as Failure {
                throw failure
            } catch {
                throw Failure(url: url.absoluteString, reason: "\(error)")
            }
            return
        }
        throw Failure(url: url.absoluteString, reason: "more than \(TransportSecurity.maximumRedirects) redirects")
    }
}
