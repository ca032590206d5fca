import ExposureNotification
import Foundation

/// `--risk PRESET|FILE`: a preset name (cocoa, classic-1m-15min) or a JSON risk configuration file.
enum RiskOption {
    static let help = "Risk model: a preset (\(RiskConfiguration.presets.map(\.name).joined(separator: ", "))) or a JSON file; default cocoa."

    static func load(_ value: String?) throws -> RiskConfiguration {
        guard let value else { return .cocoa }
        if let preset = RiskConfiguration.preset(named: value) { return preset }
        guard FileManager.default.fileExists(atPath: value) else {
            throw CLIError(.noInput, "--risk \(value): neither a preset (\(RiskConfiguration.presets.map(\.name).joined(separator: ", "))) nor an existing file")
        }
        let configuration: RiskConfiguration
        do {
            configuration = try JSONDecoder().decode(RiskConfiguration.self, from: try InputFiles.data(value, what: "risk configuration"))
            try configuration.validate()
        } catch let error as CLIError {
            throw error
        } catch let error as RiskConfiguration.InvalidConfiguration {
            throw CLIError(.dataError, "\(value): \(error)")
        } catch {
            throw CLIError(.dataError, "\(value): \(JSONErrors.describe(error))")
        }
        return configuration
    }
}
