internal import COpenSSL

/// AES-128 in ECB mode over whole 16-byte blocks, on one OpenSSL cipher context that is set up once
/// and only re-keyed afterwards (re-selecting the cipher each time costs twice as much; DESIGN §9).
///
/// Back-end file: owns the `EVP_CIPHER_CTX` and frees it in `deinit`. Not `Sendable`: one per thread.
final class AESECBCipher {
    private let context: OpaquePointer
    /// For the rare decryption (telling whose an RPI is in `radio watch`); set up on first use.
    private var decryptionContext: OpaquePointer?

    /// Stops the process only if OpenSSL cannot allocate a context: that is memory exhaustion, not input.
    init() {
        guard let context = EVP_CIPHER_CTX_new(),
              EVP_EncryptInit_ex(context, EVP_aes_128_ecb(), nil, nil, nil) == 1
        else { fatalError("OpenSSL could not set up an AES-128-ECB context (out of memory?)") }
        EVP_CIPHER_CTX_set_padding(context, 0)
        self.context = context
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
        if let decryptionContext { EVP_CIPHER_CTX_free(decryptionContext) }
    }

    /// Decrypts one block.
    func decrypt(key: Block16, block: Block16) -> Block16 {
        let context: OpaquePointer
        if let existing = decryptionContext {
            context = existing
        } else {
            guard let created = EVP_CIPHER_CTX_new(), EVP_DecryptInit_ex(created, EVP_aes_128_ecb(), nil, nil, nil) == 1
            else { fatalError("OpenSSL could not set up an AES-128-ECB context (out of memory?)") }
            EVP_CIPHER_CTX_set_padding(created, 0)
            decryptionContext = created
            context = created
        }
        var keyCopy = key, input = block, output = Block16.zero
        withUnsafeBytes(of: &keyCopy) { raw in
            let ok = EVP_DecryptInit_ex(context, nil, nil, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), nil)
            precondition(ok == 1, "OpenSSL refused an AES-128 key")
        }
        withUnsafeBytes(of: &input) { inRaw in
            withUnsafeMutableBytes(of: &output) { outRaw in
                var written: Int32 = 0
                let ok = EVP_DecryptUpdate(context, outRaw.baseAddress!.assumingMemoryBound(to: UInt8.self), &written,
                                           inRaw.baseAddress!.assumingMemoryBound(to: UInt8.self), 16)
                precondition(ok == 1 && written == 16, "OpenSSL AES-ECB failed")
            }
        }
        return output
    }

    /// Encrypts `blocks` 16-byte blocks from `input` into `output` (which may be the same memory) under `key`.
    func encrypt(key: Block16, input: UnsafeRawPointer, output: UnsafeMutableRawPointer, blocks: Int) {
        var keyCopy = key
        withUnsafeBytes(of: &keyCopy) { raw in
            let ok = EVP_EncryptInit_ex(context, nil, nil, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), nil)
            precondition(ok == 1, "OpenSSL refused an AES-128 key")
        }
        var written: Int32 = 0
        let ok = EVP_EncryptUpdate(context, output.assumingMemoryBound(to: UInt8.self), &written,
                                   input.assumingMemoryBound(to: UInt8.self), Int32(blocks * 16))
        precondition(ok == 1 && Int(written) == blocks * 16, "OpenSSL AES-ECB failed")
    }

    /// Encrypts one block.
    func encrypt(key: Block16, block: Block16) -> Block16 {
        var input = block
        var output = Block16.zero
        withUnsafeBytes(of: &input) { inRaw in
            withUnsafeMutableBytes(of: &output) { outRaw in
                encrypt(key: key, input: inRaw.baseAddress!, output: outRaw.baseAddress!, blocks: 1)
            }
        }
        return output
    }
}
