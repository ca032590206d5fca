import Foundation

extension BoardProfile {
    /// This machine's profile for `adapter` (hciN; nil: the first adapter the kernel lists).
    static func detectHost(adapter: String?, root: String = "") -> BoardProfile {
        let model = (try? String(contentsOfFile: root + "/proc/device-tree/model", encoding: .utf8))?
            .trimmingCharacters(in: CharacterSet(charactersIn: "\0").union(.whitespacesAndNewlines))
        let classDirectory = root + "/sys/class/bluetooth"
        let name = adapter.flatMap { $0.hasPrefix("hci") ? $0 : nil }
            ?? (try? FileManager.default.contentsOfDirectory(atPath: classDirectory))?.filter { $0.hasPrefix("hci") && !$0.contains(":") }.sorted().first
        // The adapter's class link resolves into the bus it sits on:
        // /sys/devices/pci0000:00/…/usb1/1-1/1-1:1.0/bluetooth/hci0 for USB.
        let onUSB = name.map { name -> Bool in
            let resolved = URL(fileURLWithPath: "\(classDirectory)/\(name)").resolvingSymlinksInPath().path
            return resolved.split(separator: "/").contains { $0.hasPrefix("usb") }
        } ?? false
        return detect(model: model, adapterOnUSB: onUSB)
    }
}
