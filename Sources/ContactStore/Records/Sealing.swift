import Crypto
import Foundation

/// AES-GCM sealing of store records. The associated data binds each ciphertext to what it is
/// (table and epoch or name), so a sealed blob cannot be moved to another row and still open.
enum Sealing {
    static func seal(_ plaintext: [UInt8], key: SymmetricKey, context: String) throws(StoreError) -> Data {
        do {
            guard let combined = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8)).combined else {
                throw StoreError.io("sealing failed")
            }
            return combined
        } catch let error as StoreError {
            throw error
        } catch {
            throw .io("sealing failed: \(error)")
        }
    }

    /// Opens a sealed blob; `nil` if the key or context is wrong or the blob was altered.
    static func open(_ sealed: Data, key: SymmetricKey, context: String) -> Data? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else { return nil }
        return try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
    }

    static func sightingContext(_ epoch: Epoch, count: Int) -> String { "sightings/\(epoch.rawValue)/\(count)" }
    static func ownKeyContext(day: Int32) -> String { "own-key/\(day)" }
    static func contactDayContext(day: Int32) -> String { "contact-day/\(day)" }
    static func stateContext(_ name: String) -> String { "state/\(name)" }
    static func exposureDayContext(day: Int32) -> String { "exposure-day/\(day)" }
}
