import COpenSSL

/// The bound the matcher is measured against: OpenSSL EVP aes-128-ecb over 2,304-byte buffers (the
/// 144 blocks of one key) on one core, in keys per second — what `openssl speed -evp aes-128-ecb
/// -bytes 2304` measures, run in-process so it shares this run's CPU conditions.
enum AESBound {
    static func keysPerSecond(seconds: Double = 1.0) -> Double {
        guard let context = EVP_CIPHER_CTX_new() else { Bench.fail("no cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var key = [UInt8](repeating: 0x5a, count: 16)
        EVP_EncryptInit_ex(context, EVP_aes_128_ecb(), nil, &key, nil)
        EVP_CIPHER_CTX_set_padding(context, 0)
        var input = [UInt8](repeating: 0x33, count: 2304)
        var output = [UInt8](repeating: 0, count: 2304 + 16)
        var written: Int32 = 0
        var iterations = 0
        let start = Bench.now()
        var elapsed = 0.0
        repeat {
            for _ in 0..<1000 {
                EVP_EncryptUpdate(context, &output, &written, &input, 2304)
            }
            iterations += 1000
            elapsed = Bench.now() - start
        } while elapsed < seconds
        return Double(iterations) / elapsed
    }
}
