@testable import BLEAgent
import Foundation
import Testing

struct OperationLogTests {
    @Test func theScrubberRemovesWhatIdentifiesAndKeepsTheRest() {
        let scrubber = Scrubber(hostName: "kitchen-pi.local")
        let cases: [(String, String)] = [
            ("adapter AA:BB:CC:DD:EE:0F went away", "adapter <address> went away"),
            ("/org/bluez/hci0/dev_12_34_56_78_9A_BC removed", "/org/bluez/hci0/dev_<address> removed"),
            ("download from 192.168.1.20 failed", "download from <ip> failed"),
            ("connect to fe80::1ff:fe23:4567:890a refused", "connect to <ip> refused"),
            ("connect to [2001:db8::42]:443 refused", "connect to [<ip>]:443 refused"),
            ("from 2001:0db8:0000:0000:0000:ff00:0042:8329", "from <ip>"),
            ("next scan at 12:34:56", "next scan at 12:34:56"),
            ("key 75c734c6dd1a782de7a965da5eb93125 stored", "key <hex> stored"),
            ("payload dcdjxt3aeCXopWXaXrk5MQ== seen", "payload <data> seen"),
            ("cannot open /home/alice/bleagent.toml", "cannot open /home/<user>/bleagent.toml"),
            ("running on KITCHEN-PI since boot", "running on <host> since boot"),
            ("scan window 3 s, 12 sightings, rotation after 600 s", "scan window 3 s, 12 sightings, rotation after 600 s"),
            ("key file for 2026-11-20 refused", "key file for <date> refused"),
        ]
        for (input, expected) in cases {
            #expect(scrubber.scrub(input) == expected, "\(input)")
        }
    }

    @Test func theDocumentHoldsNoContactDays() throws {
        let log = OperationLog.collect(status: nil, journalDays: 0, maximumRecords: 0)
        let json = try #require(String(data: JSONEncoder().encode(log), encoding: .utf8))
        #expect(json.contains("\"format\":\"bleagent-operation-log\\/1\""))
        #expect(!json.contains("contact"))
        #expect(log.daemon == ["state": "not running"])
    }

    @Test func contactNoticesNeverReachTheLog() throws {
        func line(_ fields: [String: String]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
        }
        let journal = try [
            line(["MESSAGE": "consent given: recording starts", "PRIORITY": "5", "__REALTIME_TIMESTAMP": "1764000000000000"]),
            line(["MESSAGE": "\(NoticeText.summary.english) on 2026-11-20 (1 contact, 20 minutes).", "PRIORITY": "4",
                  "MESSAGE_ID": ContactNotifier.messageID]),
            // The same notice where the journal socket was missing (stderr, no MESSAGE_ID).
            line(["MESSAGE": "warning: \(NoticeText.summary.english) on 2026-11-21 (2 contacts, 31 minutes).", "PRIORITY": "4"]),
            // A daemon in a Japanese locale writes its notice in Japanese: left out too, with or without MESSAGE_ID.
            line(["MESSAGE": ContactNotifier.journalText(.japanese), "PRIORITY": "4", "MESSAGE_ID": ContactNotifier.messageID]),
            line(["MESSAGE": "warning: \(ContactNotifier.journalText(.japanese))", "PRIORITY": "4"]),
            line(["MESSAGE": "downloading keys: cocoa: HTTP 503", "PRIORITY": "3"]),
        ].joined(separator: "\r\n")
        let records = OperationLog.records(journalJSON: journal, scrubber: Scrubber(hostName: "pi"))
        #expect(records.map(\.message) == ["consent given: recording starts", "downloading keys: cocoa: HTTP 503"])
        #expect(records.map(\.priority) == [5, 3])
        #expect(records.first?.time == "2025-11-24T16:00:00Z")
    }

    @Test func aRetryWithTheSameNumberReusesTheIdempotencyKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pending-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = PendingRegistration.forNumber("12345678", directory: directory, now: 1_000)
        #expect(first.saved)
        #expect(PendingRegistration.forNumber("12345678", directory: directory, now: 2_000).pending == first.pending)
        let attributes = try FileManager.default.attributesOfItem(atPath: PendingRegistration.path(in: directory))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(PendingRegistration.forNumber("87654321", directory: directory, now: 2_000).pending.idempotencyKey != first.pending.idempotencyKey)
        // A day later an old attempt is not reused.
        let old = PendingRegistration.forNumber("11111111", directory: directory, now: 10_000).pending
        #expect(PendingRegistration.forNumber("11111111", directory: directory, now: 10_000 + 86_401).pending.idempotencyKey != old.idempotencyKey)
        // Where it cannot be written, the caller is told (and warns the user).
        #expect(!PendingRegistration.forNumber("12345678", directory: directory + "/missing", now: 1_000).saved)
        PendingRegistration.clear(directory: directory)
        #expect(!FileManager.default.fileExists(atPath: PendingRegistration.path(in: directory)))
    }
}
