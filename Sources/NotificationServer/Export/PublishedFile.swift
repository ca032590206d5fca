import Crypto
import ExposureNotification
import Foundation

/// A file agents download, as stored in the database (every instance serves the same bytes): an
/// export's zip, or a region's `list.json` / `index.txt`. `path` is relative to the container
/// folder ("440/2026-11-20-17.zip"); the entity tag is a digest of the bytes, so it is equal
/// wherever the file is served from and a CDN or proxy can revalidate it.
public struct PublishedFile: Sendable, Equatable {
    public var path: String
    public var data: Data
    public var etag: String
    public var contentType: String

    public init(path: String, data: Data, contentType: String) {
        self.path = path
        self.data = data
        self.contentType = contentType
        etag = "\"" + Hex.encode(Array(SHA256.hash(data: data).prefix(16))) + "\""
    }

    init(path: String, data: Data, etag: String, contentType: String) {
        self.path = path
        self.data = data
        self.etag = etag
        self.contentType = contentType
    }

    /// Zips never change once published; the lists change at every pass that publishes.
    public var cacheControl: String {
        path.hasSuffix(".zip") ? "public, max-age=86400, immutable" : "public, max-age=60"
    }
}
