import Durability
import Foundation
@testable import NotificationServer
import TestSupport
import Testing

/// An acknowledged registration must survive a power cut: the SQLite back-end's writer commits with
/// `synchronous = FULL` (GRDB's WAL set-up would leave it at NORMAL). The cuts themselves: Harness/powercut.
struct SQLiteDurabilityTests {
    @Test func theWriterCommitsWithSynchronousFull() async throws {
        let directory = TemporaryDirectory()
        let database = try SQLiteServerDatabase(path: "\(directory.path)/server.sqlite")
        #expect(try DurableDatabase.writerSynchronousLevel(database.pool) == DurableDatabase.synchronousFull)
        await database.close()
    }
}
