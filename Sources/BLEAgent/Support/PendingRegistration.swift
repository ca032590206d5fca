import Durability
import Foundation

/// A registration sent but not yet answered, kept in the state directory (mode 0600) so that a
/// retry — after a lost reply, a crash, or the user running `register` again with the same number —
/// reuses the idempotency key and the server stores nothing twice. Removed once the server answers.
/// It holds the processing number and the idempotency key, never keys.
struct PendingRegistration: Codable, Equatable {
    var processingNumber: String
    var idempotencyKey: String
    var createdAt: Double

    static func path(in directory: String) -> String { "\(directory)/registration-pending.json" }

    /// The pending registration for `number`, or a new one, and whether it is on disk (it is not when
    /// the state directory is not writable by this user: a retry after a lost reply may then be told
    /// the number was used, though it registered).
    static func forNumber(_ number: String, directory: String, now: Double) -> (pending: PendingRegistration, saved: Bool) {
        if let data = FileManager.default.contents(atPath: path(in: directory)),
           let pending = try? JSONDecoder().decode(PendingRegistration.self, from: data),
           pending.processingNumber == number, now - pending.createdAt < lifetime {
            return (pending, true)
        }
        let pending = PendingRegistration(processingNumber: number, idempotencyKey: UUID().uuidString.lowercased(), createdAt: now)
        guard let data = try? JSONEncoder().encode(pending) else { return (pending, false) }
        // Durably: a power cut after the request went out must not lose the key the retry needs.
        do {
            try DurableFile.write(data, to: path(in: directory), mode: 0o600, createFolders: false)
            return (pending, true)
        } catch {
            return (pending, false)
        }
    }

    static func clear(directory: String) {
        try? DurableFile.remove(path(in: directory))
    }

    /// How long a pending registration is of use: a retry after that would need a new number anyway.
    static let lifetime: Double = 86_400

    /// Removes the pending registration once it is past its use (or unreadable): it holds a
    /// processing number, which must not outlive what it was for. The daemon calls it with its housekeeping.
    static func expire(directory: String, now: Double) {
        let file = path(in: directory)
        guard FileManager.default.fileExists(atPath: file) else { return }
        if let data = FileManager.default.contents(atPath: file), let pending = try? JSONDecoder().decode(PendingRegistration.self, from: data),
           now - pending.createdAt < lifetime, pending.createdAt <= now + 86_400 {
            return
        }
        clear(directory: directory)
    }
}
