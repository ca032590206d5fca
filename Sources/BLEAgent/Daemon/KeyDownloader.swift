import AsyncHTTPClient
import ExposureNotification
import Foundation
import NIOCore

/// What a download round needs to fetch a file: its bytes, at most `maximumBytes`, whole within `timeout`.
protocol KeyFetcher: Sendable {
    func fetch(_ url: URL, maximumBytes: Int, timeout: Duration) async throws -> Data
}

/// Fetches key server files over HTTP(S) with a size cap and a timeout.
struct KeyDownloader: KeyFetcher {
    let client: HTTPClient

    struct Failure: Error, CustomStringConvertible {
        var url: String
        var reason: String
        var description: String { "\(url): \(reason)" }
    }

    /// The file at `url`, whole within `timeout` (the response head and every byte of the body: a
    /// server that sends slowly or stops sending is given up on), at most `maximumBytes`.
    func fetch(_ url: URL, maximumBytes: Int, timeout: Duration) async throws(Failure) -> Data {
        let outcome: Result<Data, Failure> = await withTaskGroup(of: Result<Data, Failure>?.self) { group in
            group.addTask { do throws(Failure) { return .success(try await self.transfer(url, maximumBytes: maximumBytes, timeout: timeout)) } catch { return .failure(error) } }
            group.addTask { try? await Task.sleep(for: timeout); return Task.isCancelled ? nil : .failure(Self.stalled(url, timeout)) }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(Self.stalled(url, timeout))
        }
        return try outcome.get()
    }

    static func stalled(_ url: URL, _ timeout: Duration) -> Failure {
        Failure(url: url.absoluteString, reason: "stalled: not received whole within \(timeout.components.seconds) s")
    }

    private func transfer(_ url: URL, maximumBytes: Int, timeout: Duration) async throws(Failure) -> Data {
        let request = HTTPClientRequest(url: url.absoluteString)
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
            guard response.status.code == 200 else {
                throw Failure(url: url.absoluteString, reason: "HTTP \(response.status.code)")
            }
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maximumBytes {
                throw Failure(url: url.absoluteString, reason: "\(length) bytes, above the \(maximumBytes)-byte limit")
            }
            var data = Data()
            for try await chunk in response.body {
                guard data.count + chunk.readableBytes <= maximumBytes else {
                    throw Failure(url: url.absoluteString, reason: "larger than the \(maximumBytes)-byte limit")
                }
                data.append(contentsOf: chunk.readableBytesView)
            }
            return data
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(url: url.absoluteString, reason: "\(error)")
        }
    }
}

