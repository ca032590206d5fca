import ExposureNotification
import Testing

struct SampleDistributionTests {
    @Test func medianAndSpreadInterpolateBetweenRanks() throws {
        let stats = try #require(SampleDistribution([-40, -50, -60, -70]))
        #expect(stats.median == -55 && stats.interquartileRange == 15 && stats.count == 4)
        let one = try #require(SampleDistribution([-42]))
        #expect(one.median == -42 && one.interquartileRange == 0)
        #expect(SampleDistribution([1.0, 3.0, 2.0])?.median == 2)
    }

    @Test func anEmptySampleHasNoMedian() {
        #expect(SampleDistribution([Int]()) == nil)
        #expect(SampleDistribution([Double.nan]) == nil)
    }
}
