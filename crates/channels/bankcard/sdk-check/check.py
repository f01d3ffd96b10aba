"""Independent cross-check of juhe's ISO 8583 terminal dialect and sandbox host.

Uses pyiso8583 (a separate ISO 8583 implementation) with a spec written here
for the CUP terminal ("POSP") dialect, and pycryptodome for 3DES and the MAC,
so nothing is shared with the Rust code under test.

usage: check.py HOST:PORT TERMINAL_ID MERCHANT_NO TMK_HEX SAMPLE_HEX VECTORS_JSON
"""

import json
import socket
import sys

import iso8583
from iso8583.specs import default_ascii
from Crypto.Cipher import DES3


def bcd_fixed(n, desc):
    return {"data_enc": "b", "len_enc": "bcd", "len_type": 0, "max_len": n,
            "len_count": "nibbles", "left_pad": "0", "desc": desc}


def bcd_var(len_type, n, desc):
    return {"data_enc": "b", "len_enc": "bcd", "len_type": len_type, "max_len": n,
            "len_count": "nibbles", "right_pad": "0", "desc": desc}


def ascii_fixed(n, desc):
    return {"data_enc": "ascii", "len_enc": "ascii", "len_type": 0, "max_len": n, "desc": desc}


def ascii_var(len_type, n, desc):
    return {"data_enc": "ascii", "len_enc": "bcd", "len_type": len_type, "max_len": n, "desc": desc}


def binary_fixed(n, desc):
    return {"data_enc": "b", "len_enc": "ascii", "len_type": 0, "max_len": n, "desc": desc}


def binary_var(len_type, n, desc):
    return {"data_enc": "b", "len_enc": "bcd", "len_type": len_type, "max_len": n, "desc": desc}


# BCD lengths: one byte for LL (len_type 1), two for LLL (len_type 2).
POSP = {
    "h": {"data_enc": "b", "len_enc": "ascii", "len_type": 0, "max_len": 0, "desc": "no header here"},
    "t": {"data_enc": "b", "len_enc": "ascii", "len_type": 0, "max_len": 2, "desc": "BCD MTI"},
    "p": {"data_enc": "b", "len_enc": "ascii", "len_type": 0, "max_len": 8, "desc": "binary bitmap"},
    "2": bcd_var(1, 19, "PAN"),
    "3": bcd_fixed(6, "processing code"),
    "4": bcd_fixed(12, "amount"),
    "11": bcd_fixed(6, "trace"),
    "12": bcd_fixed(6, "local time"),
    "13": bcd_fixed(4, "local date"),
    "14": bcd_fixed(4, "expiry"),
    "15": bcd_fixed(4, "settlement date"),
    "22": bcd_fixed(3, "entry mode"),
    "23": bcd_fixed(3, "card sequence"),
    "25": bcd_fixed(2, "condition code"),
    "26": bcd_fixed(2, "PIN capture code"),
    "32": bcd_var(1, 11, "acquirer"),
    "35": bcd_var(1, 37, "track 2"),
    "36": bcd_var(2, 104, "track 3"),
    "37": ascii_fixed(12, "reference"),
    "38": ascii_fixed(6, "auth code"),
    "39": ascii_fixed(2, "response code"),
    "41": ascii_fixed(8, "terminal"),
    "42": ascii_fixed(15, "merchant"),
    "44": ascii_var(1, 25, "additional response"),
    "48": bcd_var(2, 322, "totals"),
    "49": ascii_fixed(3, "currency"),
    "52": binary_fixed(8, "PIN block"),
    "53": bcd_fixed(16, "security control"),
    "55": binary_var(2, 255, "ICC data"),
    "60": bcd_var(2, 17, "type, batch, network code"),
    "61": bcd_var(2, 29, "original"),
    "62": binary_var(2, 512, "working keys"),
    "63": ascii_var(2, 163, "operator"),
    "64": binary_fixed(8, "MAC"),
}
for n in range(1, 129):
    # pyiso8583 wants every field described; the rest are never used.
    POSP.setdefault(str(n), binary_fixed(8, "unused"))

TPDU = bytes.fromhex("6000030000")
HEADER = bytes.fromhex("603100310000")


def cup_ecb_mac(mak, mab):
    """CUP terminal ECB MAC, written from the algorithm's description."""
    mab = mab + bytes((-len(mab)) % 8)
    folded = bytes(8)
    for i in range(0, len(mab), 8):
        folded = bytes(a ^ b for a, b in zip(folded, mab[i:i + 8]))
    text = folded.hex().upper().encode()
    cipher = DES3.new(mak, DES3.MODE_ECB)
    step = cipher.encrypt(text[:8])
    step = cipher.encrypt(bytes(a ^ b for a, b in zip(step, text[8:])))
    return step.hex().upper().encode()[:8]


def send(addr, body):
    host, port = addr.rsplit(":", 1)
    frame = TPDU + HEADER + body
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(len(frame).to_bytes(2, "big") + frame)
        length = int.from_bytes(recv_exact(s, 2), "big")
        answer = recv_exact(s, length)
    assert answer[0] == 0x60 and answer[1:3] == TPDU[3:5] and answer[3:5] == TPDU[1:3], "TPDU not swapped"
    return answer[11:]


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        assert chunk, "host closed the connection"
        data += chunk
    return data


def macced(doc, mak):
    doc = dict(doc)
    doc["64"] = "00" * 8
    raw, _ = iso8583.encode(doc, POSP)
    raw = bytes(raw)
    return raw[:-8] + cup_ecb_mac(mak, raw[:-8])


def check_sample(sample_hex):
    raw = bytes.fromhex(sample_hex)
    decoded, _ = iso8583.decode(bytearray(raw), POSP)
    assert decoded["t"] == "0200", decoded
    assert decoded["4"] == "000000004993" and decoded["22"] == "051", decoded
    assert decoded["35"] == "6221235200000000001D2512101", decoded
    again, _ = iso8583.encode(dict(decoded), POSP)
    assert bytes(again) == raw, "pyiso8583 re-encodes juhe's sample differently"
    print("sample: juhe's encoding decodes and re-encodes identically under pyiso8583")


def check_vector(path):
    vectors = json.load(open(path))
    v = vectors["cups_ascii_0200"]
    raw = v["raw_with_length_prefix"].encode()
    assert int(raw[:4]) == len(raw) - 4
    decoded, _ = iso8583.decode(bytearray(raw[4:]), default_ascii)
    for key, value in v["expected_fields"].items():
        assert decoded[key] == value, (key, decoded[key], value)
    print("vector: CUPS ASCII 0200 decodes to the expected fields")


def check_host(addr, terminal_id, merchant_no, tmk_hex):
    tmk = DES3.new(bytes.fromhex(tmk_hex), DES3.MODE_ECB)
    sign_in = {"t": "0800", "11": "000001", "41": terminal_id, "42": merchant_no,
               "60": "00000001003", "63": "001"}
    raw, _ = iso8583.encode(sign_in, POSP)
    answer, _ = iso8583.decode(bytearray(send(addr, bytes(raw))), POSP)
    assert answer["t"] == "0810" and answer["39"] == "00", answer
    keys = bytes.fromhex(answer["62"])
    assert len(keys) == 40, len(keys)
    pik, pik_cv = tmk.decrypt(keys[0:16]), keys[16:20]
    mak, mak_cv = tmk.decrypt(keys[20:36]), keys[36:40]
    assert DES3.new(pik, DES3.MODE_ECB).encrypt(bytes(8))[:4] == pik_cv, "PIK check value"
    assert DES3.new(mak, DES3.MODE_ECB).encrypt(bytes(8))[:4] == mak_cv, "MAK check value"
    print("sign-in: working keys decrypted under the TMK, check values match")

    purchase = {"t": "0200", "2": "6221235200000000001", "3": "000000", "4": "000000012345",
                "11": "000002", "14": "2512", "22": "051", "23": "001", "25": "00", "26": "12",
                "35": "6221235200000000001D2512101", "41": terminal_id, "42": merchant_no,
                "49": "156", "52": "A1B2C3D4E5F60718", "53": "2600000000000000",
                "55": "9F2608A1B2C3D4E5F60718", "60": "22000001000"}
    body = send(addr, macced(purchase, mak))
    answer, _ = iso8583.decode(bytearray(body), POSP)
    assert answer["t"] == "0210" and answer["39"] == "00", answer
    assert cup_ecb_mac(mak, body[:-8]) == body[-8:], "answer MAC"
    assert len(answer["37"]) == 12 and answer["4"] == "000000012345", answer
    print("purchase: approved, reference", answer["37"], "answer MAC verified")

    tampered = bytearray(macced(dict(purchase, **{"11": "000003"}), mak))
    tampered[-9] ^= 0x01
    answer, _ = iso8583.decode(bytearray(send(addr, bytes(tampered))), POSP)
    assert answer["39"] == "A0", answer
    print("tampered purchase: rejected with A0")

    reversal = {"t": "0400", "3": "000000", "4": "000000012345", "11": "000002", "22": "051",
                "25": "00", "39": "98", "41": terminal_id, "42": merchant_no, "49": "156",
                "60": "22000001000"}
    answer, _ = iso8583.decode(bytearray(send(addr, macced(reversal, mak))), POSP)
    assert answer["t"] == "0410" and answer["39"] == "00", answer
    print("reversal: 0410 approved")


def main():
    addr, terminal_id, merchant_no, tmk_hex, sample_hex, vectors = sys.argv[1:7]
    check_sample(sample_hex)
    check_vector(vectors)
    check_host(addr, terminal_id, merchant_no, tmk_hex)
    print("ALL CHECKS PASSED")


if __name__ == "__main__":
    main()
