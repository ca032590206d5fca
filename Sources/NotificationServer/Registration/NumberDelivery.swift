import Foundation
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["BLEAGENT_CASE_ID"] = number.caseID
        environment["BLEAGENT_PROCESSING_NUMBER"] = number.processingNumber
        environment["BLEAGENT_EXPIRES_AT"] = "\(number.expiresAt)"
        environment["BLEAGENT_REISSUES_LEFT"] = "\(number.reissuesLeft)"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            logger.error("number delivery could not start", metadata: ["case": "\(number.caseID)", "error": "\(error)"])
            return false
        }
        let started = Date()
        while process.isRunning && Date().timeIntervalSince(started) < timeoutSeconds { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            process.terminate()
            logger.error("number delivery ran longer than \(Int(timeoutSeconds)) s and was stopped", metadata: ["case": "\(number.caseID)"])
            return false
        }
        guard process.terminationStatus == 0 else {
            logger.error("number delivery failed", metadata: ["case": "\(number.caseID)", "status": "\(process.terminationStatus)"])
            return false
        }
        return true
    }
}
