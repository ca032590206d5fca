@testable import BLEAgent
import Foundation
import Testing

struct BoardProfileTests {
    @Test func raspberryPiModelsAreRecognisedWithTheirGeneration() {
        #expect(BoardProfile.detect(model: "Raspberry Pi 4 Model B Rev 1.4", adapterOnUSB: false) == .raspberryPi(generation: 4))
        #expect(BoardProfile.detect(model: "Raspberry Pi 3 Model B Plus Rev 1.3", adapterOnUSB: false) == .raspberryPi(generation: 3))
        #expect(BoardProfile.detect(model: "Raspberry Pi 5 Model B Rev 1.0", adapterOnUSB: false) == .raspberryPi(generation: 5))
        #expect(BoardProfile.detect(model: "Raspberry Pi Compute Module", adapterOnUSB: false) == .raspberryPi(generation: nil))
    }

    @Test func aUSBAdapterIsAUSBAdapterEvenOnAPi() {
        #expect(BoardProfile.detect(model: "Raspberry Pi 4 Model B Rev 1.4", adapterOnUSB: true) == .usbAdapter)
        #expect(BoardProfile.detect(model: nil, adapterOnUSB: true) == .usbAdapter)
        #expect(BoardProfile.detect(model: nil, adapterOnUSB: false) == .unknown)
        #expect(BoardProfile.detect(model: "Pine64 RockPro64", adapterOnUSB: false) == .unknown)
    }

    /// The defaults are never the controller's conducted level (a Pi's says +12 dBm), and a Pi pair
    /// 1 m apart at NIST's median RSSI (−47 dBm on the fit) computes the reference attenuation.
    @Test func defaultsAreRadiatedFiguresThatAgreeWithPhones() {
        let pi = BoardProfile.raspberryPi(generation: 4).defaults
        #expect(pi.txPower < 0 && pi.txPower != 12)
        #expect(Double(Int(pi.txPower) - (-47 + pi.rssiCorrection)) == ReferencePath.attenuationAtOneMetre)
        // A median phone (Google's table) hearing a Pi, and a Pi hearing that phone, agree too: the
        // Pi's excess is split between its transmitter and its receiver.
        let phone = BoardProfile.unknown.defaults
        let phonePair = Int(phone.txPower) - phone.rssiCorrection - Int(ReferencePath.attenuationAtOneMetre)
        let excess = (-47 - phonePair) / 2
        #expect(Int(pi.txPower) == Int(phone.txPower) + excess && pi.rssiCorrection == phone.rssiCorrection - excess)
    }

    /// A fake sysfs: hci0 links into a USB device, hci1 into the UART of a Pi.
    @Test func theHostIsReadFromTheDeviceTreeAndTheAdaptersBus() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("board-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/proc/device-tree", withIntermediateDirectories: true)
        try Data("Raspberry Pi 4 Model B Rev 1.4\0".utf8).write(to: URL(fileURLWithPath: root + "/proc/device-tree/model"))
        let usb = root + "/sys/devices/platform/scb/pcie/usb1/1-1/1-1:1.0/bluetooth/hci0"
        let uart = root + "/sys/devices/platform/soc/fe201000.serial/serial0/serial0-0/bluetooth/hci1"
        try manager.createDirectory(atPath: usb, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: uart, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/sys/class/bluetooth", withIntermediateDirectories: true)
        try manager.createSymbolicLink(atPath: root + "/sys/class/bluetooth/hci0", withDestinationPath: "../../devices/platform/scb/pcie/usb1/1-1/1-1:1.0/bluetooth/hci0")
        try manager.createSymbolicLink(atPath: root + "/sys/class/bluetooth/hci1", withDestinationPath: "../../devices/platform/soc/fe201000.serial/serial0/serial0-0/bluetooth/hci1")
        #expect(BoardProfile.detectHost(adapter: "hci0", root: root) == .usbAdapter)
        #expect(BoardProfile.detectHost(adapter: "hci1", root: root) == .raspberryPi(generation: 4))
        #expect(BoardProfile.detectHost(adapter: nil, root: root) == .usbAdapter)
    }
}
