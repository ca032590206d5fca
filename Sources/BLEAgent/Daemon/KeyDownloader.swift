import AsyncHTTPClient
import ExposureNotification
import Foundation
import NIOCore

/// What a download round needs to fetch a file: its bytes, at most `maximumBytes`.
protocol KeyFetcher: Sendable {
    func fetch(_ url: URL, maximumBytes: Int) async throws -> Data
}

/// Fetches key server files over HTTP(S) with a size cap and a timeout.
struct KeyDownloader: KeyFetcher {
    let client: HTTPClient

    struct Failure: Error, CustomStringConvertible {
        var url: String
        var reason: String
        var description: String { "\(url): \(reason)" }
    }

    func fetch(_ url: URL, maximumBytes: Int, timeout: Duration = .seconds(60)) async throws(Failure) -> Data {
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

extension KeyDownloader {
    func fetch(_ url: URL, maximumBytes: Int) async throws -> Data {
        try await fetch(url, maximumBytes: maximumBytes, timeout: .seconds(60))
    }
}
