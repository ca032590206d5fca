import Foundation

/// A MITLL-UA run's `<run>_info.json`: when it ran and, per agent, the phone carried and the phone's
/// own EN verdict at the end (`high`, `low`, `none`, or `sick` for the one who shared keys).
public struct TrialRunInfo: Hashable, Sendable {
    public struct Participant: Hashable, Sendable {
        public var agent: String
        public var phone: String
        public var exposure: String
    }

    public var testID: String
    /// Unix seconds.
    public var start: Int64
    public var stop: Int64
    /// The UTC offset (seconds) the file writes its times in.
    public var utcOffset: Int
    public var participants: [Participant]

    /// The run's span in UTC when its wall-clock times are read in `utcOffset` (seconds) instead of
    /// the file's own: after the US went to summer time (14 March 2021) the info files still write
    /// `-0500` while the phones' logs write `-04`, the offset the clocks really had.
    public func span(inOffset utcOffset: Int) -> ClosedRange<Int64> {
        let shift = Int64(self.utcOffset - utcOffset)
        return (start + shift)...(stop + shift)
    }

    /// The one agent whose keys were shared.
    public var sick: Participant? { participants.first { $0.exposure == "sick" } }

    public static func parse(_ data: Data, file: String) throws(FieldDataError) -> TrialRunInfo {
        struct Raw: Decodable {
            struct Detail: Decodable {
                var agent: String
                var phone: String
                var exposure: String
            }
            var testId: String
            var startTime: String
            var stopTime: String
            var details: [Detail]
        }
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch {
            throw FieldDataError(file: file, "not a run info file: \(error)")
        }
        guard let (start, offset) = TrialTimestamp.parse(raw.startTime[...]), let stop = TrialTimestamp.unixSeconds(raw.stopTime[...]),
              start < stop, stop - start <= 86_400 else {
            throw FieldDataError(file: file, "startTime/stopTime: expected two timestamps, start before stop, within a day")
        }
        let participants = raw.details.map { Participant(agent: $0.agent, phone: $0.phone, exposure: $0.exposure.lowercased()) }
        guard participants.filter({ $0.exposure == "sick" }).count == 1 else {
            throw FieldDataError(file: file, "expected exactly one participant with exposure \"sick\"")
        }
        return TrialRunInfo(testID: raw.testId, start: start, stop: stop, utcOffset: offset, participants: participants)
    }
}
