#!/usr/bin/env python3
"""kiln's model containers against an independent implementation: Debian's
python3-cryptography (OpenSSL) reads what `kiln sign` writes -- checks its
digest and signature, unwraps and decrypts its payload -- and writes
containers of its own, signed and encrypted from the format's description
alone, which `kiln verify` must accept and decrypt to the same blob.

usage: crosscheck.py KILN SHARED_DIR WORK_DIR
"""
import hashlib
import os
import struct
import subprocess
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

MAGIC = 0x314E4C4B
HKDF_INFO = b"kiln model key v1"
KEY_AREA = {0: 0, 1: 48, 2: 80}


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result.stdout


def read_key(path):
    kind, value = open(path).read().split("\n")[:2]
    return kind.split(" ")[1], bytes.fromhex(value)


def write_key(path, kind, value):
    with open(path, "w") as f:
        f.write(f"kiln-key {kind}\n{value.hex()}\n")


def tlvs(area, magic):
    assert struct.unpack_from("<HH", area) == (magic, len(area)), "TLV area info"
    out, at = {}, 4
    while at < len(area):
        kind, length = struct.unpack_from("<HH", area, at)
        assert kind not in out, "duplicate TLV"
        out[kind] = area[at + 4:at + 4 + length]
        at += 4 + length
    return out


def tlv(kind, value):
    return struct.pack("<HH", kind, len(value)) + value


def open_container(data, signer_pub, device_key=None):
    """Checks a container as the format describes it; returns its payload."""
    magic, header_size, version, payload_size, sig_kind, enc_kind, prot_size, unprot_size = \
        struct.unpack_from("<IHHIBBHH", data)
    assert magic == MAGIC and version == 1 and data[18:32] == bytes(14)
    assert header_size == 32 + KEY_AREA[enc_kind]
    assert len(data) == header_size + payload_size + prot_size + unprot_size
    payload = data[header_size:header_size + payload_size]
    protected = data[header_size + payload_size:header_size + payload_size + prot_size]
    unprotected = tlvs(data[header_size + payload_size + prot_size:], 0x6B07)
    fields = tlvs(protected, 0x6B08)
    assert set(fields) == {1, 2, 3, 4, 5, 6, 7}
    if enc_kind:
        key_area = data[32:header_size]
        kind, secret = device_key
        if enc_kind == 1:
            assert kind == "aes-kw"
            kek, wrapped = secret, key_area[:40]
        else:
            assert kind == "x25519-private"
            ephemeral = key_area[:32]
            device_private = x25519.X25519PrivateKey.from_private_bytes(secret)
            device_public = device_private.public_key().public_bytes(serialization.Encoding.Raw,
                                                                     serialization.PublicFormat.Raw)
            shared = device_private.exchange(x25519.X25519PublicKey.from_public_bytes(ephemeral))
            kek = HKDF(hashes.SHA256(), 32, None, HKDF_INFO + ephemeral + device_public).derive(shared)
            wrapped = key_area[32:72]
        content_key = aes_key_unwrap(kek, wrapped)
        decryptor = Cipher(algorithms.AES(content_key), modes.CTR(bytes(16))).decryptor()
        payload = decryptor.update(payload) + decryptor.finalize()
    digest = hashlib.sha256(data[:header_size] + payload + protected).digest()
    assert unprotected[0x10] == digest, "digest"
    kind, pub = signer_pub
    assert unprotected[0x11] == hashlib.sha256(pub).digest(), "key hash"
    signature = unprotected[0x12]
    if sig_kind == 1:
        assert kind == "ed25519-public"
        ed25519.Ed25519PublicKey.from_public_bytes(pub).verify(signature, digest)
    else:
        assert kind == "p256-public"
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), pub)
        der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        key.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    return payload, fields


def seal(blob, fields, signer, recipient=None):
    """Writes a container from the format's description."""
    kind, secret = signer
    enc_kind, key_area, payload = 0, b"", blob
    if recipient:
        rkind, rkey = recipient
        content_key = os.urandom(32)
        if rkind == "aes-kw":
            enc_kind, key_area = 1, aes_key_wrap(rkey, content_key) + bytes(8)
        else:
            enc_kind = 2
            ephemeral = x25519.X25519PrivateKey.generate()
            ephemeral_public = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                                                   serialization.PublicFormat.Raw)
            shared = ephemeral.exchange(x25519.X25519PublicKey.from_public_bytes(rkey))
            kek = HKDF(hashes.SHA256(), 32, None, HKDF_INFO + ephemeral_public + rkey).derive(shared)
            key_area = ephemeral_public + aes_key_wrap(kek, content_key) + bytes(8)
        encryptor = Cipher(algorithms.AES(content_key), modes.CTR(bytes(16))).encryptor()
        payload = encryptor.update(blob) + encryptor.finalize()
    body = b"".join(tlv(k, fields[k]) for k in sorted(fields))
    protected = struct.pack("<HH", 0x6B08, 4 + len(body)) + body
    header_size = 32 + len(key_area)
    header = struct.pack("<IHHIBBHH", MAGIC, header_size, 1, len(blob), 1 if kind == "ed25519-private" else 2,
                         enc_kind, len(protected), 4 + 36 + 36 + 68) + bytes(14)
    digest = hashlib.sha256(header + key_area + blob + protected).digest()
    if kind == "ed25519-private":
        private = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
        signature = private.sign(digest)
        pub = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        private = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
        r, s = utils.decode_dss_signature(private.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()))))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        pub = private.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint)
    unprotected = tlv(0x10, digest) + tlv(0x11, hashlib.sha256(pub).digest()) + tlv(0x12, signature)
    unprotected = struct.pack("<HH", 0x6B07, 4 + len(unprotected)) + unprotected
    return header + key_area + payload + protected + unprotected


def main():
    kiln, shared, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    model = os.path.join(shared, "models/tflite_micro/micro_speech_quantized.tflite")
    blob_path = os.path.join(work, "micro_speech.kiln")
    run(kiln, "convert", model, "--target", "cortex-m4", "-o", blob_path)
    blob = open(blob_path, "rb").read()
    for name, kind in [("signer", "ed25519"), ("ecdsa", "p256"), ("device", "x25519"), ("shared", "aes-kw")]:
        run(kiln, "keygen", "--type", kind, "-o", os.path.join(work, name))
    key = lambda name: read_key(os.path.join(work, name))
    checked = 0
    # kiln writes, python reads.
    for signer in ["signer", "ecdsa"]:
        for recipient, device_key in [(None, None), ("device.pub", "device.key"), ("shared.key", "shared.key")]:
            out = os.path.join(work, f"{signer}_{recipient or 'plain'}.kilnc")
            args = [kiln, "sign", blob_path, "--key", os.path.join(work, signer + ".key"), "--counter", "4",
                    "--target", "cortex-m4", "--model-id", "micro_speech", "-o", out]
            if recipient:
                args += ["--encrypt-for", os.path.join(work, recipient)]
            run(*args)
            payload, fields = open_container(open(out, "rb").read(), key(signer + ".pub"),
                                             key(device_key) if device_key else None)
            assert payload == blob, f"{out}: payload differs from the blob"
            assert fields[1] == struct.pack("<I", 4) and fields[2] == b"micro_speech" and fields[7] == b"cortex-m4"
            checked += 1
    # python writes, kiln reads: the fields of kiln's own container, signed
    # with kiln's keys by OpenSSL.
    _, fields = open_container(open(os.path.join(work, "signer_plain.kilnc"), "rb").read(), key("signer.pub"))
    for signer in ["signer", "ecdsa"]:
        for recipient, device_key in [(None, None), ("device.pub", "device.key"), ("shared.key", "shared.key")]:
            container = seal(blob, fields, key(signer + ".key"), key(recipient) if recipient else None)
            path = os.path.join(work, f"python_{signer}_{recipient or 'plain'}.kilnc")
            open(path, "wb").write(container)
            out = path + ".kiln"
            args = [kiln, "verify", path, "--key", os.path.join(work, signer + ".pub"), "--min-counter", "4",
                    "--target", "cortex-m4", "-o", out]
            if device_key:
                args += ["--key", os.path.join(work, device_key)]
            run(*args)
            assert open(out, "rb").read() == blob, f"{path}: kiln decrypted something else"
            checked += 1
    # A python-signed container with one bit of its signature flipped is refused.
    bad = bytearray(seal(blob, fields, key("signer.key")))
    bad[-1] ^= 1
    path = os.path.join(work, "python_flipped.kilnc")
    open(path, "wb").write(bytes(bad))
    result = subprocess.run([kiln, "verify", path, "--key", os.path.join(work, "signer.pub")], capture_output=True,
                            text=True)
    assert result.returncode == 7 and "bad signature (status 19)" in result.stderr, result.stderr
    print(f"{checked} containers cross-checked with python3-cryptography {__import__('cryptography').__version__}; "
          f"the blob is {len(blob)} bytes")


if __name__ == "__main__":
    main()
