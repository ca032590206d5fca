import Foundation

/// Facts about the running system that explain radio failures: kernel and BlueZ versions, and
/// whether bluetoothd is configured with Privacy (then adverts carry resolvable addresses).
enum Platform {
    static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafePointer(to: &name.release) { $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) } }
    }

    static func bluezVersion() -> String {
        for path in ["/usr/libexec/bluetooth/bluetoothd", "/usr/lib/bluetooth/bluetoothd", "/usr/sbin/bluetoothd"]
        where FileManager.default.isExecutableFile(atPath: path) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["--version"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return "unknown"
    }

    /// Asked once per process (bluetoothd --version is a child process: call it off the cooperative pool).
    static let summary: String = "kernel \(kernelRelease()), BlueZ \(bluezVersion())"

    /// `Privacy` in bluetoothd's main.conf: anything but off/absent makes the kernel use resolvable
    /// private addresses for our adverts.
    static func privacyEnabled(mainConf path: String = "/etc/bluetooth/main.conf") -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), trimmed.lowercased().hasPrefix("privacy") else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "privacy" else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces).lowercased()
            return !(value.isEmpty || value == "off" || value == "false")
        }
        return false
    }
}
