"""An independent implementation of GAEN's key derivation (v1.2) with `cryptography`, for interop tests."""
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def hkdf16(tek, info):
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=info).derive(tek)


def rpi(tek, interval):
    padded = b"EN-RPI" + b"\x00" * 6 + struct.pack("<I", interval)
    encryptor = Cipher(algorithms.AES(hkdf16(tek, b"EN-RPIK")), modes.ECB()).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aem(tek, rpi_bytes, metadata):
    encryptor = Cipher(algorithms.AES(hkdf16(tek, b"EN-AEMK")), modes.CTR(rpi_bytes)).encryptor()
    return encryptor.update(metadata) + encryptor.finalize()
