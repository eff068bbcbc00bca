#!/usr/bin/env python3
"""Independent check of a Proef signed tree head: reads a C2SP tlog-checkpoint signed note on
stdin and a signed-note verifier key (name+keyid+base64(0x01||pubkey)) as the argument, and
verifies the key id and the Ed25519 signature with the `cryptography` package.
Exit 0 and 'ok size=N' when it verifies; exit 1 otherwise."""
import base64
import hashlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def main() -> int:
    name, keyid_hex, key_b64 = sys.argv[1].strip().split("+", 2)
    raw = base64.b64decode(key_b64)
    if len(raw) != 33 or raw[0] != 0x01:
        print("not an Ed25519 vkey")
        return 1
    pub = raw[1:]
    keyid = hashlib.sha256(name.encode() + b"\n" + b"\x01" + pub).digest()[:4]
    if keyid.hex() != keyid_hex:
        print("key id does not match")
        return 1
    note = sys.stdin.read()
    body, _, sigs = note.partition("\n\n")
    body += "\n"
    lines = body.split("\n")
    size = int(lines[1])
    if len(base64.b64decode(lines[2])) != 32:
        print("root hash is not 32 bytes")
        return 1
    for line in sigs.splitlines():
        prefix = "\u2014 " + name + " "
        if not line.startswith(prefix):
            continue
        blob = base64.b64decode(line[len(prefix):])
        if blob[:4] != keyid:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(blob[4:], body.encode())
        except InvalidSignature:
            print("bad signature")
            return 1
        print(f"ok size={size}")
        return 0
    print("no signature by " + name)
    return 1


if __name__ == "__main__":
    sys.exit(main())
