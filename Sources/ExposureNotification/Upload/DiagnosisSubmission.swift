import Foundation

/// The body of COCOA's `PUT /v3/diagnosis`, field for field (JSON names as COCOA's apps send them).
/// The agent writes it, the server reads it: one type for both sides.
public struct DiagnosisSubmission: Codable, Sendable, Equatable {
    public struct Key: Codable, Sendable, Equatable {
        /// Base64 of the 16-byte key.
        public var keyData: String
        public var rollingStartNumber: UInt32
        public var rollingPeriod: UInt32
        public var reportType: Int32?

        public init(keyData: String, rollingStartNumber: UInt32, rollingPeriod: UInt32, reportType: Int32? = nil) {
            self.keyData = keyData
            self.rollingStartNumber = rollingStartNumber
            self.rollingPeriod = rollingPeriod
            self.reportType = reportType
        }
    }

    public var hasSymptom: Bool
    /// RFC 3339 with milliseconds and offset, e.g. `2021-09-20T00:00:00.000+09:00`.
    public var onsetOfSymptomOrTestDate: String
    public var keys: [Key]
    public var regions: [String]
    public var platform: String
    /// The phone's attestation in COCOA; a Linux agent has none and sends "".
    public var deviceVerificationPayload: String
    public var appPackageName: String
    /// The 8-digit processing number.
    public var verificationPayload: String
    public var idempotencyKey: String
    /// Base64 of 768–1535 random bytes, so every request has about the same size.
    public var padding: String

    enum CodingKeys: String, CodingKey {
        case hasSymptom, onsetOfSymptomOrTestDate, keys, regions, platform, deviceVerificationPayload, appPackageName,
             verificationPayload, padding
        case idempotencyKey = "idempotency_key"
    }

    public init(hasSymptom: Bool, onsetOfSymptomOrTestDate: String, keys: [Key], regions: [String], platform: String = "linux",
                deviceVerificationPayload: String = "", appPackageName: String = "org.bleagent.agent",
                verificationPayload: String, idempotencyKey: String, padding: String) {
        self.hasSymptom = hasSymptom
        self.onsetOfSymptomOrTestDate = onsetOfSymptomOrTestDate
        self.keys = keys
        self.regions = regions
        self.platform = platform
        self.deviceVerificationPayload = deviceVerificationPayload
        self.appPackageName = appPackageName
        self.verificationPayload = verificationPayload
        self.idempotencyKey = idempotencyKey
        self.padding = padding
    }

    /// Tolerant of absent optional fields (padding, platform…), strict about the ones that matter.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hasSymptom = try container.decode(Bool.self, forKey: .hasSymptom)
        onsetOfSymptomOrTestDate = try container.decode(String.self, forKey: .onsetOfSymptomOrTestDate)
        keys = try container.decode([Key].self, forKey: .keys)
        regions = try container.decodeIfPresent([String].self, forKey: .regions) ?? []
        platform = try container.decodeIfPresent(String.self, forKey: .platform) ?? ""
        deviceVerificationPayload = try container.decodeIfPresent(String.self, forKey: .deviceVerificationPayload) ?? ""
        appPackageName = try container.decodeIfPresent(String.self, forKey: .appPackageName) ?? ""
        verificationPayload = try container.decodeIfPresent(String.self, forKey: .verificationPayload) ?? ""
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey) ?? ""
        padding = try container.decodeIfPresent(String.self, forKey: .padding) ?? ""
    }

    /// 768–1535 random bytes, base64 (COCOA's padding).
    public static func randomPadding(using generator: inout some RandomNumberGenerator) -> String {
        let count = Int.random(in: 768...1535, using: &generator)
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    /// The calendar date of `onsetOfSymptomOrTestDate` as written (its own offset), `YYYY-MM-DD`.
    /// COCOA sends local midnight with the local offset: the date part is the day the person means.
    public static func onsetDay(_ text: String) -> String? {
        // 2021-09-20T00:00:00.000+09:00, 2021-09-20T00:00:00Z, or a bare 2021-09-20.
        let datePart = text.prefix(10)
        guard datePart.count == 10, text.count == 10 || text.dropFirst(10).first == "T" else { return nil }
        return String(datePart)
    }

    /// The agent's form of the onset: local midnight of `day` with milliseconds and offset.
    public static func onsetText(day: String, offsetSeconds: Int) -> String {
        let sign = offsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(offsetSeconds)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(day)T00:00:00.000\(sign)\(two(magnitude / 3600)):\(two(magnitude % 3600 / 60))"
    }
}
