import DBus

extension AgentService {
    /// `org.bleagent.Agent1`: what the service serves, the errors each method answers (besides the
    /// bus's `AccessDenied` where the policy refuses), its signals and properties. Introspection,
    /// the installed interface file and argument checks all come from here; doc/org.bleagent.Agent1.md
    /// documents the same (a test checks every name appears there).
    static let description = DBusInterfaceDescription(
        name: interface,
        methods: [
            .init("GetStatus", outputs: [.init("status_json", "s")], errors: [invalidArgs]),
            .init("GetExposures", outputs: [.init("exposures_json", "s")], errors: [invalidArgs, storeError]),
            .init("GetOwnKeys", outputs: [.init("keys_json", "s")], errors: [invalidArgs, storeError]),
            .init("AcceptConsent", inputs: [.init("terms_version", "s")], errors: [invalidArgs, storeError]),
            .init("WithdrawConsent", errors: [invalidArgs, storeError]),
            .init("Forget", errors: [invalidArgs, storeError]),
            .init("DownloadNow", outputs: [.init("report_json", "s")], errors: [invalidArgs]),
        ],
        signals: [
            .init("ContactDay", [.init("date", "s"), .init("contacts", "u"), .init("minutes", "u")]),
            .init("Forgotten"),
        ],
        properties: AgentProperties.descriptions)

    static let invalidArgs = DBusError.invalidArgsName
    static let storeError = "org.bleagent.Error.Store"
}
