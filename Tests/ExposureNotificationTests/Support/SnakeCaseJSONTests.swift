import ExposureNotification
import Foundation
import Testing

/// The one JSON convention: snake_case keys, and key names in messages spelled as the encoder spells them.
struct SnakeCaseJSONTests {
    struct Sample: Codable, Equatable {
        var secondsSinceLastScan = 240
        var keyID = "k"
        var sha256 = "ab"
        var txPowerSource: String? = "hci"
        var lastError: String?
    }

    @Test func encodesSnakeCaseAndOmitsAbsentValues() throws {
        let text = String(decoding: try SnakeCaseJSON.encoder().encode(Sample()), as: UTF8.self)
        #expect(text == #"{"key_id":"k","seconds_since_last_scan":240,"sha256":"ab","tx_power_source":"hci"}"#)
    }

    @Test func messagesNameKeysAsTheEncoderWritesThem() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: SnakeCaseJSON.encoder().encode(Sample())) as? [String: Any])
        for name in ["secondsSinceLastScan", "keyID", "sha256", "txPowerSource"] {
            #expect(object[SnakeCaseJSON.key(name)] != nil, "\(name) → \(SnakeCaseJSON.key(name))")
        }
        #expect(SnakeCaseJSON.key("already_snake") == "already_snake")
        #expect(SnakeCaseJSON.key("URLString") == "url_string")
    }

    @Test func decodesWhatItEncodes() throws {
        struct Decoded: Codable, Equatable { var secondsSinceLastScan: Int; var txPowerSource: String? }
        let decoded = try SnakeCaseJSON.decoder().decode(Decoded.self, from: Data(#"{"seconds_since_last_scan": 5, "tx_power_source": "hci"}"#.utf8))
        #expect(decoded == Decoded(secondsSinceLastScan: 5, txPowerSource: "hci"))
    }
}
