import ArgumentParser
import Foundation
import HostSupport

/// `bleagent demo`: the whole story on virtual radios, for a machine without Bluetooth (or anyone
/// curious). Boots the real-stack harness (the real kernel Bluetooth stack and stock bluetoothd in
/// QEMU, three virtual controllers), where three `bleagent run` daemons meet, one tests positive,
/// and the others download, match and are notified, or not. Narrates each step.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "See the whole story on virtual radios: three agents meet, one tests positive, the others are notified (or not).",
        discussion: """
        Needs what scripts/setup.sh installs: QEMU and the harness (/usr/local/share/bleagent/realstack, \
        its VM in /var/cache/bleagent-realstack). Takes 2–4 minutes; nothing leaves this machine. \
        A and B sit together for 20 minutes at −55 dBm; C passes by for 3 minutes, then stays at −90 dBm. \
        The agents' clock runs 30× fast ([agent] clock in bleagent.toml), the rest is the production code. \
        Exit codes: 0 the story went as it should, 1 a step failed (the log folder is named), 69 the harness is missing.
        """
    )

    @Option(help: ArgumentHelp("Folder for the run's logs (default: /var/tmp/bleagent-demo-UID, replaced at each run).", valueName: "DIR"))
    var workDir: String?

    @Flag(help: "Show everything the virtual machine prints, not only the narration.")
    var verbose = false

    @OptionGroup var output: ErrorOutputOptions

    func run() async throws {
        try await reportingErrors {
            let fileManager = FileManager.default
            // One folder per user, replaced at each run (the last run's logs stay for reading; runs do
            // not pile up in /var/tmp). It is removed only if it is this user's own directory, not a
            // link or a folder someone else made there first: checked before anything else, so the
            // refusal does not depend on what else this machine lacks.
            let work = workDir ?? "/var/tmp/bleagent-demo-\(getuid())"
            if workDir == nil, let attributes = try? fileManager.attributesOfItem(atPath: work) {
                guard attributes[.type] as? FileAttributeType == .typeDirectory,
                      (attributes[.ownerAccountID] as? NSNumber)?.uint32Value == getuid() else {
                    throw CLIError(.permission, "\(work) exists but is not your own folder: remove it, or give --work-dir")
                }
            }
            guard let harness = Self.findHarness() else {
                throw CLIError(.unavailable, """
                    the real-stack harness is not installed: run scripts/setup.sh from bleagent's source tree \
                    (or set BLEAGENT_HARNESS to its Harness/realstack folder)
                    """)
            }
            guard Self.which("qemu-system-x86_64") != nil else {
                throw CLIError(.unavailable, "QEMU is missing: run scripts/setup.sh (it installs qemu-system-x86 and prepares the virtual machine)")
            }
            // The notification server the story's positive person registers with: installed beside bleagent.
            let server = URL(fileURLWithPath: Self.ownExecutable()).deletingLastPathComponent().appendingPathComponent("bleagent-server").path
            guard fileManager.isExecutableFile(atPath: server) else {
                throw CLIError(.unavailable, "bleagent-server is not installed beside bleagent (\(server)): run scripts/setup.sh")
            }
            // (Checked above to be this user's own folder; /var/tmp's sticky bit keeps anyone else from
            // renaming it or putting something else in its place since.)
            if workDir == nil, fileManager.fileExists(atPath: work) {
                do { try fileManager.removeItem(atPath: work) } catch {
                    throw CLIError(.failure, "cannot remove the last run's \(work): \(error.localizedDescription)")
                }
            }
            do {
                try fileManager.createDirectory(atPath: work, withIntermediateDirectories: true)
                let binary = "\(work)/bleagent"
                try? fileManager.removeItem(atPath: binary)
                try fileManager.copyItem(atPath: Self.ownExecutable(), toPath: binary)
                try? fileManager.removeItem(atPath: "\(work)/bleagent-server")
                try fileManager.copyItem(atPath: server, toPath: "\(work)/bleagent-server")
                try Data(#"{"legacy": ["hci0"], "strict_random_address": true}"#.utf8).write(to: URL(fileURLWithPath: "\(work)/radio-config.json"))
            } catch {
                throw CLIError(.failure, "cannot prepare \(work): \(error.localizedDescription)")
            }
            var environment = ProcessInfo.processInfo.environment
            if environment["REALSTACK_CACHE"] == nil, fileManager.fileExists(atPath: "/var/cache/bleagent-realstack/initramfs.gz") {
                environment["REALSTACK_CACHE"] = "/var/cache/bleagent-realstack"
            }
            let cache = environment["REALSTACK_CACHE"] ?? "\(NSHomeDirectory())/.cache/bleagent-realstack"
            if !fileManager.fileExists(atPath: "\(cache)/initramfs.gz") {
                Output.line("Preparing the virtual machine (the first time only; a few minutes)…")
                let status = Self.stream(["bash", "\(harness)/build-vm.sh"], environment: environment) { line in
                    if verbose || line.hasPrefix("[build-vm]") { Output.line("  " + line) }
                }
                guard status == 0 else {
                    throw CLIError(.failure, "preparing the virtual machine failed: run scripts/setup.sh as root (it installs QEMU and builds the VM)")
                }
            }
            Output.line("Booting a virtual machine with the real Linux Bluetooth stack, stock bluetoothd and three virtual radios…")
            let started = Date()
            var passed = 0
            var failed: [String] = []
            let status = Self.stream(["bash", "\(harness)/run-vm.sh", "--radios", "3", "--share", work, "--keep-radio-state", "--timeout", "600", "--",
                                      "python3", "\(harness)/scenarios/story.py"], environment: environment) { line in
                if line.hasPrefix("» ") {
                    Output.line(String(line.dropFirst(2)))
                } else if line.hasPrefix("PASS ") {
                    passed += 1
                    if verbose { Output.line("  ✓ " + line.dropFirst(5)) }
                } else if line.hasPrefix("FAIL ") {
                    failed.append(String(line.dropFirst(5)))
                    Output.line("  ✗ " + line.dropFirst(5))
                } else if verbose {
                    Output.line("  | " + line)
                }
            }
            let seconds = Int(Date().timeIntervalSince(started))
            if status == 0 && failed.isEmpty {
                Output.line("")
                Output.line("Done in \(seconds) s: \(passed) checks held. Logs: \(work)")
                Output.line("On a real device: `sudo bleagent consent --accept`, then `systemctl enable --now bleagent`.")
                return
            }
            let reason = status == 125 ? "the virtual machine did not start (see \(work)/.realstack/console.log)"
                : status == 124 ? "the story timed out" : "\(failed.count) step\(failed.count == 1 ? "" : "s") did not go as they should"
            throw CLIError(.failure, "demo failed after \(seconds) s: \(reason). Logs: \(work)")
        }
    }

    /// The harness: $BLEAGENT_HARNESS, ./Harness/realstack (a source tree), or where setup.sh installs it.
    static func findHarness() -> String? {
        let executable = URL(fileURLWithPath: ownExecutable()).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates: [String?] = [ProcessInfo.processInfo.environment["BLEAGENT_HARNESS"], FileManager.default.currentDirectoryPath + "/Harness/realstack",
                          executable.appendingPathComponent("../share/bleagent/realstack").standardizedFileURL.path,
                          "/usr/local/share/bleagent/realstack", "/usr/share/bleagent/realstack"]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: "\($0)/run-vm.sh") }
    }

    static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func which(_ program: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `arguments`, handing every line of its output (stdout and stderr) to `line` as it comes.
    static func stream(_ arguments: [String], environment: [String: String], line: (String) -> Void) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try ChildProcess.start(process) } catch { return 127 }
        let reader = pipe.fileHandleForReading
        var pending = Data()
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                line(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
