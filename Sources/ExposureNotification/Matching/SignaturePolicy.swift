/// Which signature verdicts let a file's keys be used.
public enum SignaturePolicy: Hashable, Sendable {
    /// Only files with a `valid` signature (the daemon, with keys configured).
    case requireValid
    /// `valid` or `unverified` (tools run without a public key); `invalid` is still refused.
    case allowUnverified

    func accepts(_ verdict: SignatureVerdict) -> Bool {
        switch (self, verdict.status) {
        case (_, .valid): true
        case (.allowUnverified, .unverified): true
        default: false
        }
    }
}
