/// Pads what is sealed per day (judged days, exposure windows) to a size class, so neither which
/// days matched nor how much was found shows in the database without the key: every day kept has
/// a row, and rows differ only by powers of two above `minimumBytes`.
enum DayPadding {
    static func pad(_ bytes: [UInt8], minimumBytes: Int) -> [UInt8] {
        var size = minimumBytes
        while size < bytes.count + 4 { size *= 2 }
        var out = withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { Array($0) }
        out += bytes
        out += [UInt8](repeating: 0, count: size - out.count)
        return out
    }

    static func unpad(_ padded: some Collection<UInt8>) -> [UInt8]? {
        let bytes = Array(padded)
        guard bytes.count >= 4 else { return nil }
        let count = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        guard count <= bytes.count - 4 else { return nil }
        return Array(bytes[4..<(4 + count)])
    }
}
