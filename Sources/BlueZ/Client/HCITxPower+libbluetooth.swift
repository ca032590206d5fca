internal import CBlueZ
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a controller's advertising channel TX power over an HCI socket: "LE Read Advertising
/// Physical Channel Tx Power" (OGF 0x08, OCF 0x0007). D-Bus does not expose it for legacy
/// controllers. Needs CAP_NET_RAW (or root). Back-end file.
enum HCITxPower {
    static func read(adapterIndex: Int32) -> Result<Int8, HCIError> {
        let descriptor = hci_open_dev(adapterIndex)
        guard descriptor >= 0 else { return .failure(HCIError(reason: "cannot open hci\(adapterIndex): \(String(cString: strerror(errno)))")) }
        defer { close(descriptor) }
        var response: (UInt8, Int8) = (0, 0)
        let status = withUnsafeMutableBytes(of: &response) { raw -> Int32 in
            var request = hci_request()
            request.ogf = UInt16(CBLUEZ_OGF_LE_CTL)
            request.ocf = 0x0007
            request.rparam = raw.baseAddress
            request.rlen = Int32(raw.count)
            return hci_send_req(descriptor, &request, 1000)
        }
        guard status >= 0 else { return .failure(HCIError(reason: "hci\(adapterIndex) did not answer: \(String(cString: strerror(errno)))")) }
        guard response.0 == 0 else { return .failure(HCIError(reason: "hci\(adapterIndex) refused the command (status \(response.0))")) }
        return .success(response.1)
    }

    struct HCIError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}
