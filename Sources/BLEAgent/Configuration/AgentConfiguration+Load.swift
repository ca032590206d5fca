import AgentTime
import DBus
import ExposureNotification
import Foundation
import TOMLConfiguration

extension AgentConfiguration {
    /// Reads `path`; a missing file at the standard path gives the defaults (nothing else does).
    static func load(path: String? = nil) throws(ConfigurationError) -> AgentConfiguration {
        guard let file = try ConfigurationFile.text(at: path, standardPath: standardPath) else { return AgentConfiguration() }
        return try parse(file.text, path: file.path)
    }

    static func parse(_ text: String, path: String) throws(ConfigurationError) -> AgentConfiguration {
        let reader = try TableReader.parse(text, path: path)
        var configuration = AgentConfiguration()
        try reader.allow(["agent", "radio", "store", "keys", "notify", "guidance", "registration"])

        if let agent = try reader.table("agent") {
            try agent.allow(["state_directory", "clock", "require_time_sync"])
            configuration.stateDirectory = try agent.string("state_directory")
            configuration.timeGate.required = try agent.bool("require_time_sync") ?? true
            if let clock = try agent.string("clock") {
                guard let parsed = AgentClock(specification: clock) else {
                    throw agent.error("clock", "expected speed=N,origin=UNIX_SECONDS")
                }
                configuration.clock = parsed
            }
        }
        if let registration = try reader.table("registration") {
            try registration.allow(["server", "region", "allow_insecure_http"])
            configuration.registrationTransport.allowInsecureHTTP = try registration.bool("allow_insecure_http") ?? false
            if let server = try registration.string("server") {
                guard let url = URL(string: server), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                    throw registration.error("server", "expected the notification server's https URL, e.g. https://en.example.org")
                }
                if let refusal = configuration.registrationTransport.refusal(url, table: "registration") { throw registration.error("server", refusal) }
                configuration.registrationServer = url
            }
            if let region = try registration.string("region") {
                guard !region.isEmpty, region.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                    throw registration.error("region", "expected a region code such as \"440\"")
                }
                configuration.registrationRegion = region
            }
        }
        if let radio = try reader.table("radio") {
            try radio.allow(["adapter", "scan_window_seconds", "scan_period_seconds", "tx_power_dbm", "rssi_correction_db",
                             "calibration", "passive_scanning"])
            configuration.adapter = try radio.string("adapter")
            configuration.scanWindowSeconds = try radio.number("scan_window_seconds", in: 1...60) ?? configuration.scanWindowSeconds
            configuration.scanPeriodSeconds = try radio.number("scan_period_seconds", in: 10...3600) ?? configuration.scanPeriodSeconds
            if configuration.scanPeriodSeconds < configuration.scanWindowSeconds {
                throw radio.error("scan_period_seconds", "must not be shorter than scan_window_seconds")
            }
            // GAEN receivers drop metadata outside −50…20 dBm; corrections beyond ±60 dB are typing errors.
            configuration.txPowerSetting = try radio.integer("tx_power_dbm", in: -50...20).map { Int8($0) }
            configuration.rssiCorrectionSetting = try radio.integer("rssi_correction_db", in: -60...60)
            configuration.calibrationNote = try radio.string("calibration")
            configuration.passiveScanning = try radio.bool("passive_scanning") ?? false
        }
        if let store = try reader.table("store") {
            try store.allow(["rpi_cap_per_day"])
            configuration.rpiCapPerDay = try store.integer("rpi_cap_per_day", in: 1_000...10_000_000) ?? configuration.rpiCapPerDay
        }
        if let keys = try reader.table("keys") {
            try keys.allow(["download_interval_hours", "download_jitter_minutes", "max_file_bytes", "risk", "source", "public_key",
                            "allow_unverified_files", "file_timeout_seconds", "round_timeout_seconds", "allow_insecure_http"])
            configuration.keysTransport.allowInsecureHTTP = try keys.bool("allow_insecure_http") ?? false
            configuration.fileTimeoutSeconds = try keys.number("file_timeout_seconds", in: 1...3_600) ?? configuration.fileTimeoutSeconds
            configuration.roundTimeoutSeconds = try keys.number("round_timeout_seconds", in: 1...86_400) ?? configuration.roundTimeoutSeconds
            configuration.downloadIntervalHours = try keys.number("download_interval_hours", in: 0.01...168) ?? configuration.downloadIntervalHours
            configuration.downloadJitterMinutes = try keys.number("download_jitter_minutes", in: 0...600) ?? configuration.downloadJitterMinutes
            configuration.maximumFileBytes = try keys.integer("max_file_bytes", in: 1_024...(1 << 30)) ?? configuration.maximumFileBytes
            if let risk = try keys.string("risk") {
                configuration.risk = try loadRisk(risk, keys: keys)
            }
            for (index, source) in try keys.tables("source").enumerated() {
                try source.allow(["name", "list_json", "base", "container", "region", "index_txt"])
                configuration.sources.append(try keySource(source, index: index, transport: configuration.keysTransport))
            }
            configuration.allowUnverifiedFiles = try keys.bool("allow_unverified_files") ?? false
            for key in try keys.tables("public_key") {
                try key.allow(["id", "version", "pem"])
                guard let id = try key.string("id") else { throw key.error("id", "missing: the key id files are signed under") }
                guard let version = try key.string("version") else { throw key.error("version", "missing: the key version") }
                guard let pem = try key.string("pem") else { throw key.error("pem", "missing: a PEM file path or the PEM text") }
                let text = pem.contains("-----BEGIN") ? pem : (try? String(contentsOfFile: pem, encoding: .utf8))
                guard let text else { throw key.error("pem", "cannot read \(pem)") }
                do {
                    configuration.publicKeys.append(PublicKey(id: id, version: version, key: try .init(id: id, version: version, pem: text)))
                } catch {
                    throw key.error("pem", "\(error)")
                }
            }
            if !configuration.sources.isEmpty, configuration.publicKeys.isEmpty, !configuration.allowUnverifiedFiles {
                throw keys.error("public_key", """
                    key sources are configured but no [[keys.public_key]]: downloaded files could not be verified. \
                    Add the key server's public key (id, version, pem), or set allow_unverified_files = true (field trials without signing only)
                    """)
            }
        }
        if let notify = try reader.table("notify") {
            try notify.allow(["hook"])
            configuration.hook = try notify.string("hook")
        }
        if let guidance = try reader.table("guidance") {
            try guidance.allow(["file"])
            configuration.guidanceFile = try guidance.string("file")
        }
        return configuration
    }

    private static func keySource(_ table: TableReader, index: Int, transport: TransportSecurity) throws(ConfigurationError) -> KeySource {
        let name = try table.string("name") ?? "source\(index + 1)"
        func url(_ key: String, _ text: String) throws(ConfigurationError) -> URL {
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()), url.host != nil else {
                throw table.error(key, "expected an https URL, got \"\(text)\"")
            }
            if let refusal = transport.refusal(url, table: "keys") { throw table.error(key, refusal) }
            return url
        }
        if let list = try table.string("list_json") { return KeySource(name: name, kind: .listJSON(try url("list_json", list))) }
        if let index = try table.string("index_txt") { return KeySource(name: name, kind: .indexTXT(try url("index_txt", index))) }
        if let base = try table.string("base") {
            guard let region = try table.string("region") else { throw table.error("region", "needed with base (COCOA: 440)") }
            let container = try table.string("container") ?? "c19r"
            let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
            return KeySource(name: name, kind: .listJSON(try url("base", "\(trimmed)/\(container)/\(region)/list.json")))
        }
        throw table.error("list_json", "each [[keys.source]] needs list_json, index_txt, or base + region")
    }

    private static func loadRisk(_ value: String, keys: TableReader) throws(ConfigurationError) -> RiskConfiguration {
        if let preset = RiskConfiguration.preset(named: value) { return preset }
        guard let data = FileManager.default.contents(atPath: value) else {
            throw keys.error("risk", "neither a preset (\(RiskConfiguration.presets.map(\.name).joined(separator: ", "))) nor a readable file")
        }
        do {
            let model = try JSONDecoder().decode(RiskConfiguration.self, from: data)
            try model.validate()
            return model
        } catch {
            throw keys.error("risk", "\(value): \(error)")
        }
    }
}
