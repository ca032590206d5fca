import Foundation

/// Finds and reads the field datasets in a folder laid out as `../shared/fielddata` is
/// (`mitll-ua/`, `dublin-tram/`, `nist-rpi/`). The only file access of the module: everything it
/// reads goes through the pure parsers, and every failure is a `FieldDataError` naming the file.
public struct FieldDataset: Sendable {
    public enum Name: String, CaseIterable, Sendable {
        case mitllUA = "mitll-ua"
        case dublinTram = "dublin-tram"
        case nistRPi = "nist-rpi"
    }

    public var root: URL

    public init(root: URL) { self.root = root }

    public func folder(_ name: Name) -> URL { root.appendingPathComponent(name.rawValue, isDirectory: true) }

    /// Throws `.missing` when the dataset's folder is not there.
    public func requireFolder(_ name: Name) throws(FieldDataError) -> URL {
        let url = folder(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FieldDataError(.missing, file: url.path, "no such folder (the \(name.rawValue) dataset)")
        }
        return url
    }

    func data(_ url: URL) throws(FieldDataError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw FieldDataError(.missing, file: url.path, "cannot read")
        }
    }

    func text(_ url: URL) throws(FieldDataError) -> String { String(decoding: try data(url), as: UTF8.self) }

    /// Entries of a folder, sorted by name; hidden ones left out.
    func entries(_ url: URL) throws(FieldDataError) -> [URL] {
        do {
            return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw FieldDataError(.missing, file: url.path, "cannot list the folder")
        }
    }

    func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    // MARK: - MITLL-UA

    /// Every scenario folder (one holding a `*_setup.json`), each run folder in it (one holding a
    /// `*_info.json`) and each phone's `<id>_dumpsys.txt` one folder further down.
    public func mitllScenarios() throws(FieldDataError) -> [MITLLReplay.Scenario] {
        var scenarios: [MITLLReplay.Scenario] = []
        for folder in try entries(try requireFolder(.mitllUA)) where isFolder(folder) {
            let files = try entries(folder)
            guard let setupFile = files.first(where: { $0.lastPathComponent.hasSuffix("_setup.json") }) else { continue }
            let setup = try TrialSetup.parse(try data(setupFile), file: setupFile.path)
            var runs: [MITLLReplay.Run] = []
            for runFolder in files where isFolder(runFolder) {
                let runFiles = try entries(runFolder)
                guard let infoFile = runFiles.first(where: { $0.lastPathComponent.hasSuffix("_info.json") }) else { continue }
                let info = try TrialRunInfo.parse(try data(infoFile), file: infoFile.path)
                var logs: [String: DumpsysLog] = [:]
                for phoneFolder in runFiles where isFolder(phoneFolder) {
                    for file in try entries(phoneFolder) where file.lastPathComponent.hasSuffix("_dumpsys.txt") {
                        let phone = String(file.lastPathComponent.dropLast("_dumpsys.txt".count))
                        logs[phone] = try DumpsysParser.parse(try text(file), file: file.path)
                    }
                }
                runs.append(MITLLReplay.Run(info: info, logs: logs))
            }
            scenarios.append(MITLLReplay.Scenario(name: folder.lastPathComponent, setup: setup, runs: runs))
        }
        guard !scenarios.isEmpty else {
            throw FieldDataError(.missing, file: folder(.mitllUA).path, "no scenario folder with a *_setup.json")
        }
        return scenarios
    }

    // MARK: - Dublin tram

    public func tramDataset() throws(FieldDataError) -> TramDataset {
        let folder = try requireFolder(.dublinTram)
        let names = ["attenuations", "distances", "pairs"].map { folder.appendingPathComponent("dublintram_dataset_\($0).txt") }
        return try TramDataset.parse(attenuations: try text(names[0]), distances: try text(names[1]), pairs: try text(names[2]),
                                     files: (names[0].path, names[1].path, names[2].path))
    }

    // MARK: - NIST Pi

    /// Every `ContactTracingData_<d>cm_Device_<X>.csv`.
    public func piCaptures() throws(FieldDataError) -> [PiReplay.Capture] {
        var captures: [PiReplay.Capture] = []
        for file in try entries(try requireFolder(.nistRPi)) {
            let name = file.lastPathComponent
            guard name.hasPrefix("ContactTracingData_"), name.hasSuffix(".csv") else { continue }
            let parts = name.dropFirst("ContactTracingData_".count).dropLast(4).split(separator: "_")
            guard parts.count == 3, parts[0].hasSuffix("cm"), let centimetres = Int(parts[0].dropLast(2)),
                  (1...100_000).contains(centimetres), parts[1] == "Device" else {
                throw FieldDataError(file: file.path, "expected the name ContactTracingData_<d>cm_Device_<X>.csv")
            }
            captures.append(PiReplay.Capture(distanceCentimetres: centimetres, receiver: String(parts[2]),
                                             capture: try PiCapture.parse(try text(file), file: file.path)))
        }
        guard !captures.isEmpty else {
            throw FieldDataError(.missing, file: folder(.nistRPi).path, "no ContactTracingData_*.csv")
        }
        return captures
    }
}
