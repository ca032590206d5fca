import Foundation
import HostSupport
import Logging

/// Hands a new processing number to the health centre's gateway (SMS, e-mail), as HER-SYS sent
/// numbers straight to the person: `[registration] delivery_command` runs with the number in its
/// environment (`BLEAGENT_CASE_ID`, `BLEAGENT_PROCESSING_NUMBER`, `BLEAGENT_EXPIRES_AT`,
/// `BLEAGENT_REISSUES_LEFT`). The number is never logged; a command that fails is, by case ID.
public struct NumberDelivery: Sendable {
    public let command: String
    public let timeoutSeconds: Double

    public init(command: String, timeoutSeconds: Double = 30) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }

    /// Runs the command for `number`; true when it exited 0 within the timeout.
    @discardableResult
    public func deliver(_ number: RegistrationService.IssuedNumber, logger: Logger) async -> Bool {
        let outcome = await HookCommand(command, timeout: .seconds(timeoutSeconds)).run(environment: [
            "BLEAGENT_CASE_ID": number.caseID, "BLEAGENT_PROCESSING_NUMBER": number.processingNumber,
            "BLEAGENT_EXPIRES_AT": "\(number.expiresAt)", "BLEAGENT_REISSUES_LEFT": "\(number.reissuesLeft)",
        ])
        let metadata: Logger.Metadata = ["case": "\(number.caseID)"]
        switch outcome {
        case .succeeded:
            return true
        case .couldNotStart(let why):
            logger.error("number delivery could not start", metadata: metadata.merging(["error": "\(why)"]) { $1 })
        case .timedOut:
            logger.error("number delivery ran longer than \(Int(timeoutSeconds)) s and was stopped", metadata: metadata)
        case .failed(let status):
            logger.error("number delivery failed", metadata: metadata.merging(["status": "\(status)"]) { $1 })
        }
        return false
    }
}
