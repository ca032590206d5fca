import Foundation
import HostSupport
import TestSupport
import Testing

struct UnixDatagramTests {
    /// A bound datagram socket that receives one message.
    func receive(at path: String, abstract: Bool, _ send: () -> Bool) throws -> String? {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var name = Array(path.utf8)
        if abstract { name[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in name.enumerated() { raw[index] = byte } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        try #require(bound == 0)
        #expect(send())
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
    }

    @Test func reachesAPathAndAnAbstractSocket() throws {
        let path = NSTemporaryDirectory() + "dgram-\(UUID().uuidString.prefix(8))"
        defer { unlink(path) }
        #expect(try receive(at: path, abstract: false) { UnixDatagram.send(Array("READY=1".utf8), to: path) } == "READY=1")
        let abstract = "@bleagent-test-\(UUID().uuidString.prefix(8))"
        #expect(try receive(at: abstract, abstract: true) { UnixDatagram.send(Array("WATCHDOG=1".utf8), to: abstract) } == "WATCHDOG=1")
        #expect(!UnixDatagram.send(Array("x".utf8), to: path + "-missing"))
    }
}
