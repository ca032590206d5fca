import ArgumentParser
import DBus
import ExposureNotification
import Foundation

/// `bleagent notify --follow`: the desktop side of contact notices. A system service cannot reach a
/// user's session bus, so this per-user companion (systemd/bleagent-notify.service, a user unit)
/// listens for the daemon's ContactDay signal on the system bus and shows a desktop notification.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Show the daemon's contact notices as desktop notifications (run in your session).",
        discussion: """
        Needs a session bus with a notification server (GNOME, KDE, XFCE, dunst…); without one the notices \
        are printed. A contact day the daemon notified while this was not running is shown when it \
        starts; the days shown are kept in $XDG_STATE_HOME/bleagent/notices-shown, so none is shown twice.
        """
    )

    @Flag(help: "Keep running and show every notice as it comes.")
    var follow = false

    @OptionGroup var output: OutputOptions

    /// `--json`: one line per notice (`contact_day`) or when every record was deleted (`forgotten`).
    struct Notice: Encodable {
        var event: String
        var date: String?
        var contacts: Int?
        var minutes: Int?
    }

    func validate() throws {
        guard follow else { throw ValidationError("use --follow (the companion runs until stopped)") }
    }

    func run() async throws {
        try await reportingErrors {
            let system: DaemonClient
            do throws(DaemonClient.Failure) { system = try await DaemonClient.connect() } catch { throw DaemonClient.cliError(error) }
            let session: DBusConnection? = await {
                guard let address = ProcessInfo.processInfo.environment["DBUS_SESSION_BUS_ADDRESS"] else { return nil }
                return try? await DBusConnection.connect(address: address)
            }()
            let stream: AsyncStream<DBusMessage>
            do throws(DBusError) {
                // ContactDay, and Forgotten (every record deleted: the shown dates go too).
                stream = try await system.connection.signals(matching: DBusMatchRule(sender: AgentService.busName, interface: AgentService.interface,
                                                                                     member: nil, path: AgentService.path))
            } catch {
                throw CLIError(.failure, "cannot listen to the daemon: \(error)")
            }
            let language = output.language
            if !output.json { Output.line(NoticeText.listening(printing: session == nil).text(language)) }
            let shown = ShownNotices.standard()
            func show(date: String, contacts: Int, minutes: Int) async {
                guard !shown.dates(now: Date().timeIntervalSince1970).contains(date) else { return }
                let summary = NoticeText.summary.text(language)
                let body = NoticeText.body(date: date, contacts: contacts, minutes: minutes).text(language)
                if let session {
                    _ = try? await session.call(DBusMethodCall(destination: "org.freedesktop.Notifications", path: "/org/freedesktop/Notifications",
                                                               interface: "org.freedesktop.Notifications", member: "Notify", arguments: [
                                                                .string("bleagent"), .uint32(0), .string("dialog-warning"), .string(summary), .string(body),
                                                                .strings([]), .properties(["urgency": .byte(2)]), .int32(0),
                                                               ]))
                }
                if output.json {
                    try? Output.json(Notice(event: "contact_day", date: date, contacts: contacts, minutes: minutes))
                } else {
                    Output.line(NoticeText.printed(date: date, contacts: contacts, minutes: minutes).text(language))
                }
                if !shown.add(date, now: Date().timeIntervalSince1970) { Output.warning("cannot write \(shown.path): this notice may be shown again when the companion restarts") }
            }
            // Days notified while this companion was not running (the signal is already subscribed: none falls between).
            if let missed = try? await system.json("GetExposures", as: [ExposureEntry].self) {
                for entry in missed where entry.notified { await show(date: entry.date, contacts: entry.contacts, minutes: entry.minutes) }
            }
            // The stream holds only signals from the daemon (the current owner of its bus name: the
            // connection checks every sender); what they say is checked too.
            for await signal in stream {
                if signal.member == "Forgotten" {
                    shown.clear()
                    if output.json {
                        try? Output.json(Notice(event: "forgotten", date: nil, contacts: nil, minutes: nil))
                    } else {
                        Output.line(NoticeText.forgotten.text(language))
                    }
                    continue
                }
                guard signal.member == "ContactDay" else { continue }
                guard let notice = ContactDayNotice(signal.arguments, now: Date().timeIntervalSince1970) else {
                    Output.warning("ignored a malformed contact notice")
                    continue
                }
                await show(date: notice.date, contacts: notice.contacts, minutes: notice.minutes)
            }
        }
    }
}

/// The daemon's ContactDay signal (`s` date, `u` contacts, `u` minutes), accepted only as the
/// daemon sends it: a real day within the kept period (or tomorrow, for a clock a little behind),
/// counts a person can read.
struct ContactDayNotice: Equatable {
    var date: String
    var contacts: Int
    var minutes: Int

    init?(_ arguments: [DBusValue], now: Double) {
        guard arguments.count == 3, let text = arguments[0].string, let day = ExposureDay(iso8601: text),
              case .uint32(let contacts) = arguments[1], case .uint32(let minutes) = arguments[2],
              (1...1_000).contains(contacts), minutes <= 24 * 60 else { return nil }
        let today = ExposureDay(unixSeconds: Int64(now))
        guard (-Int32(ContactJudgement.retentionDays)...1).contains(day.days(since: today)) else { return nil }
        (date, self.contacts, self.minutes) = (day.iso8601, Int(contacts), Int(minutes))
    }
}
