#!/usr/bin/env python3
"""Builds the test vector of docs/format/encrypted-container-v2.md from that page alone.

Independent of biowerk-dr's Java code: Python's `cryptography` package (AESGCM, X25519) and an HKDF
written from RFC 5869 with the standard library's hmac. Prints each value of the vector as hex.
"""
import base64, hashlib, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def hkdf_sha256(ikm, salt, info, length):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def seq(start):
    return bytes(range(start, start + 32))


def raw(public_key):
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def aad(kind, key_id):
    return b"BWDR-WRAP 2 " + kind.encode() + b" " + key_id.encode()


master, master_id = seq(0x00), "vector-master"
data_key = seq(0x80)
wrap_salt = seq(0xA0)
recipient_private, recipient_id = X25519PrivateKey.from_private_bytes(seq(0xC0)), "vector-offline"
ephemeral = X25519PrivateKey.from_private_bytes(seq(0xE0))
salt, segment_size = seq(0x40), 1024
plaintext = bytes(j % 256 for j in range(1053))

# Master-key stanza
kek = hkdf_sha256(master, wrap_salt, b"BIOwerk-DR wrap v2 aes-256-gcm", 32)
body = wrap_salt + AESGCM(kek).encrypt(bytes(12), data_key, aad("aes256gcm-hkdf", master_id))
print("master-kek", kek.hex())
print("wrap.vector-master", "aes256gcm-hkdf:" + base64.b64encode(body).decode())

# X25519 stanza
recipient_public = raw(recipient_private.public_key())
ephemeral_public = raw(ephemeral.public_key())
shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
kek = hkdf_sha256(shared, ephemeral_public + recipient_public, b"BIOwerk-DR wrap v2 x25519", 32)
body = ephemeral_public + AESGCM(kek).encrypt(bytes(12), data_key, aad("x25519", recipient_id))
print("recipient-public", recipient_public.hex())
print("ephemeral-public", ephemeral_public.hex())
print("shared-secret", shared.hex())
print("x25519-kek", kek.hex())
print("wrap.vector-offline", "x25519:" + base64.b64encode(body).decode())

# Container
okm = hkdf_sha256(data_key, salt, b"BIOwerk-DR enc v2 AES-256-GCM", 64)
header = b"BWDR-ENC" + bytes([2, 2]) + segment_size.to_bytes(4, "big") + salt + okm[32:]
assert len(header) == 78
aes, out, i = AESGCM(okm[:32]), header, 0
q, r = divmod(len(plaintext), segment_size)
for i in range(q + 1):
    last = i == q
    chunk = plaintext[i * segment_size:(i + 1) * segment_size] if not last else plaintext[q * segment_size:]
    nonce = bytes(3) + i.to_bytes(8, "big") + bytes([1 if last else 0])
    out += aes.encrypt(nonce, chunk, header)
print("aes-key", okm[:32].hex())
print("commitment", okm[32:].hex())
print("container", out.hex())
print("container-sha256", hashlib.sha256(out).hexdigest())
