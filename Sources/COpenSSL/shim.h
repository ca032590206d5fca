// COpenSSL: the parts of OpenSSL's libcrypto (3.x) that the core's fast crypto back-end calls.
// This header only selects headers; it adds no code. The low-level SHA-256 block function is
// deprecated in OpenSSL 3 but remains the cheapest way to run HKDF over a precomputed HMAC state,
// so deprecation attributes are suppressed for these declarations.
#ifndef BLEAGENT_COPENSSL_SHIM_H
#define BLEAGENT_COPENSSL_SHIM_H
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#endif
