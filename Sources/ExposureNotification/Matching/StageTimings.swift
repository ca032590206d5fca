/// Where matching time went, summed over all worker threads (so the total can exceed wall time).
public struct StageTimings: Hashable, Sendable {
    /// Inflating the zip entries.
    public var unzipNanoseconds: UInt64 = 0
    /// SHA-256 of export.bin and the ECDSA check.
    public var verifyNanoseconds: UInt64 = 0
    /// The hand-written protobuf decoder.
    public var decodeNanoseconds: UInt64 = 0
    /// HKDF and AES: RPIK and the 144 RPIs of each key.
    public var deriveNanoseconds: UInt64 = 0
    /// Filter and exact lookups, AEM decryption of hits.
    public var probeNanoseconds: UInt64 = 0
    /// Exposure windows and the daily judgement (filled in by whoever scores).
    public var scoreNanoseconds: UInt64 = 0

    public init() {}

    public mutating func add(_ other: StageTimings) {
        unzipNanoseconds += other.unzipNanoseconds
        verifyNanoseconds += other.verifyNanoseconds
        decodeNanoseconds += other.decodeNanoseconds
        deriveNanoseconds += other.deriveNanoseconds
        probeNanoseconds += other.probeNanoseconds
        scoreNanoseconds += other.scoreNanoseconds
    }

    public var stages: [(name: String, nanoseconds: UInt64)] {
        [("unzip", unzipNanoseconds), ("verify", verifyNanoseconds), ("decode", decodeNanoseconds),
         ("derive", deriveNanoseconds), ("probe", probeNanoseconds), ("score", scoreNanoseconds)]
    }
}
