import ExposureNotification
import Foundation
import Testing

struct KeyFileIndexTests {
    let listURL = URL(string: "https://cdn.example.org/c19r/440/list.json")!
    /// 2026-03-01 12:00 UTC.
    let now: Int64 = 1_772_366_400

    @Test func readsCocoasLayoutInCreatedOrder() throws {
        let json = #"""
        [{"region": 440, "url": "https://cdn.example.org/c19r/440/2.zip", "created": 1596412800000},
         {"region": "440", "url": "1.zip", "created": 1596326400000}]
        """#
        let entries = try KeyFileIndex.parseListJSON(Data(json.utf8), listURL: listURL, now: now)
        #expect(entries.map(\.url.absoluteString) == ["https://cdn.example.org/c19r/440/1.zip", "https://cdn.example.org/c19r/440/2.zip"])
        #expect(entries.map(\.created) == [1_596_326_400_000, 1_596_412_800_000])
        #expect(entries.allSatisfy { $0.region == "440" })
        // Round trip through our writer.
        #expect(try KeyFileIndex.parseListJSON(KeyFileIndex.listJSON(entries), listURL: listURL, now: now) == entries)
    }

    @Test func refusesBrokenLists() {
        #expect(throws: KeyFileIndex.ParseError.self) { try KeyFileIndex.parseListJSON(Data("{}".utf8), listURL: listURL, now: now) }
        #expect(throws: KeyFileIndex.ParseError.notJSON("the top level is not an array")) {
            try KeyFileIndex.parseListJSON(Data("{\"a\": 1}".utf8), listURL: listURL, now: now)
        }
        #expect(throws: KeyFileIndex.ParseError.badEntry(index: 0, reason: "url is missing or not an http(s) URL")) {
            try KeyFileIndex.parseListJSON(Data(#"[{"url": "ftp://x/1.zip", "created": 1}]"#.utf8), listURL: listURL, now: now)
        }
        #expect(throws: KeyFileIndex.ParseError.badEntry(index: 0, reason: "created is missing or not epoch milliseconds")) {
            try KeyFileIndex.parseListJSON(Data(#"[{"url": "1.zip"}]"#.utf8), listURL: listURL, now: now)
        }
    }

    /// A `created` at the extremes held the agent's position "in the future" (no later file was ever
    /// fetched) or overflowed `created - 1` and crashed the daemon: such an entry is refused, with why.
    @Test(arguments: ["9223372036854775807", "-9223372036854775808", "1e30", "0", "1577836799999", "1772453400001", "1.5e12", #""12x""#])
    func refusesACreatedOutsideTwentyTwentyToTomorrow(_ created: String) {
        let json = #"[{"url": "1.zip", "created": \#(created)}]"#
        #expect(throws: KeyFileIndex.ParseError.self) { try KeyFileIndex.parseListJSON(Data(json.utf8), listURL: listURL, now: now) }
    }

    @Test func acceptsTheEdgesOfThePeriod() throws {
        let json = #"[{"url": "1.zip", "created": 1577836800000}, {"url": "2.zip", "created": 1772452800000}]"#
        #expect(try KeyFileIndex.parseListJSON(Data(json.utf8), listURL: listURL, now: now).count == 2)
    }

    @Test func readsIndexTXT() throws {
        let index = URL(string: "https://storage.example.org/exposureKeyExport-US/index.txt")!
        let text = "exposureKeyExport-US/1592-1593-00001.zip\n\nexposureKeyExport-US/1593-1594-00001.zip\nrelative/2.zip\n"
        let entries = try KeyFileIndex.parseIndexTXT(Data(text.utf8), indexURL: index)
        #expect(entries.map(\.url.absoluteString) == [
            "https://storage.example.org/exposureKeyExport-US/1592-1593-00001.zip",
            "https://storage.example.org/exposureKeyExport-US/1593-1594-00001.zip",
            "https://storage.example.org/exposureKeyExport-US/relative/2.zip",
        ])
        #expect(entries.first?.line == "exposureKeyExport-US/1592-1593-00001.zip")
    }
}
