import Durability
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

struct DurableFileTests {
    final class Folder {
        let path = NSTemporaryDirectory() + "bleagent-durable-\(UUID().uuidString)"
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func writesWholeWithTheModeAskedForAndLeavesNoTemporary() throws {
        let folder = Folder()
        let path = folder.path + "/a/b/state.json"
        let old = umask(0o077)
        defer { umask(old) }
        try DurableFile.write(Data("one".utf8), to: path, mode: 0o644, folderMode: 0o750)
        try DurableFile.write(Data("two".utf8), to: path, mode: 0o644)
        #expect(FileManager.default.contents(atPath: path) == Data("two".utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o644)
        #expect(try FileManager.default.attributesOfItem(atPath: folder.path + "/a")[.posixPermissions] as? Int == 0o750)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a/b") == ["state.json"])
        #expect(DurableFile.leftoverTemporaries(of: path).isEmpty)
    }

    @Test func aFailedWriteKeepsTheOldContentAndSaysWhy() throws {
        let folder = Folder()
        let path = folder.path + "/state"
        try DurableFile.write(Data("kept".utf8), to: path)
        // A folder where the target should be: the rename fails, the temporary goes, the old stays.
        let blocked = folder.path + "/blocked"
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        #expect(throws: DurableFileError.self) { try DurableFile.write(Data("new".utf8), to: blocked) }
        #expect(DurableFile.leftoverTemporaries(of: blocked).isEmpty)
        do {
            try DurableFile.write(Data("x".utf8), to: path + "/x")
            Issue.record("writing under a regular file succeeded")
        } catch {
            #expect(error.description.contains(path), "\(error)")
        }
        #expect(FileManager.default.contents(atPath: path) == Data("kept".utf8))
    }

    @Test func leftoverTemporariesOfACutShortWriteAreFound() throws {
        let folder = Folder()
        let path = folder.path + "/store.key"
        try DurableFile.write(Data("k".utf8), to: path)
        // What a crash between create and rename leaves.
        _ = FileManager.default.createFile(atPath: folder.path + "/.store.key.4242.17.tmp", contents: Data("secret".utf8))
        _ = FileManager.default.createFile(atPath: folder.path + "/.other.4242.17.tmp", contents: Data())
        #expect(DurableFile.leftoverTemporaries(of: path) == [folder.path + "/.store.key.4242.17.tmp"])
    }

    @Test func removeIsQuietForAMissingFile() throws {
        let folder = Folder()
        try DurableFile.write(Data("x".utf8), to: folder.path + "/f")
        try DurableFile.remove(folder.path + "/f")
        try DurableFile.remove(folder.path + "/f")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/f"))
    }
}
