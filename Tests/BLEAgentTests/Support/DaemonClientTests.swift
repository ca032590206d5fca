@testable import BLEAgent
import DBus
import Testing

/// The exit code a verb gives when the daemon cannot answer: one meaning each, as for the store.
struct DaemonClientTests {
    @Test func theBusPolicysRefusalIsAPermissionProblem() {
        let refused = DaemonClient.cliError(.bus(DBusError(name: "org.freedesktop.DBus.Error.AccessDenied", message: "Rejected send message")))
        #expect(refused.kind == .permission)
        #expect(refused.kind.code == 77)
        #expect(refused.message.contains("bleagent group"))
    }

    @Test func aDaemonThatIsNotThereIsUnavailable() {
        let down = DaemonClient.cliError(.notRunning)
        #expect(down.kind.code == 69)
        #expect(down.message.contains("systemctl start bleagent"))
    }

    @Test func anyOtherBusErrorIsAFailureQuotingIt() {
        let other = DaemonClient.cliError(.bus(DBusError(name: "org.bleagent.Error.Busy", message: "a download round is running")))
        #expect(other.kind == .failure)
        #expect(other.message.contains("a download round is running"))
    }
}
