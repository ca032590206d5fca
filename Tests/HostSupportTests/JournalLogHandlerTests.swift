import Foundation
@testable import HostSupport
import Logging
import Synchronization
import TestSupport
import Testing

struct JournalLogHandlerTests {
    @Test func anEntryCarriesThePriorityAndTheIdentifier() throws {
        let path = NSTemporaryDirectory() + "journal-\(UUID().uuidString.prefix(8))"
        defer { unlink(path) }
        let handler = JournalLogHandler(label: "test", identifier: "bleagent-server", journal: JournalSocket(path: path))
        let entry = try UnixDatagramTests().receive(at: path, abstract: false) {
            handler.log(event: LogEvent(level: .error, message: "export pass failed", metadata: ["keys": "3"], source: "test",
                                        file: #fileID, function: #function, line: #line))
            return true
        }
        let lines = try #require(entry).split(separator: "\n").map(String.init)
        #expect(lines.contains("MESSAGE=export pass failed"))
        #expect(lines.contains("PRIORITY=3"))
        #expect(lines.contains("SYSLOG_IDENTIFIER=bleagent-server"))
        #expect(lines.contains("KEYS=3"))
    }

    @Test func withoutAJournalLinesGoToTheFallbackNamedByTheIdentifier() {
        let lines = Mutex<[String]>([])
        var handler = JournalLogHandler(label: "test", identifier: "bleagent", journal: nil) { line in lines.withLock { $0.append(line) } }
        handler.logLevel = .info
        var logger = Logger(label: "test") { _ in handler }
        logger.logLevel = .info
        logger.warning("adapter gone", metadata: ["adapter-name": "hci0"])
        logger.debug("not shown")
        #expect(lines.withLock { $0 } == ["bleagent[warning]: adapter gone (ADAPTER_NAME=hci0)\n"])
    }

    @Test func levelsAreSyslogPriorities() {
        #expect([Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(JournalLogHandler.priority) == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test func theWatchdogIsOnlyForThisProcess() {
        let on = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"])
        #expect(on.watchdogInterval == .seconds(15))
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]).watchdogInterval == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "x"]).watchdogInterval == nil)
        #expect(!SystemdNotifier(environment: [:]).notify("READY=1"))
    }
}
