"""Cross-check of the JD Pay sandbox with an independent Python client.

The only JD Pay package on PyPI (`jdpay` 1.1.6, 2015) is Python 2 only and
speaks the older JSON "wangyin" v1 API, so it cannot be pointed at this
sandbox. This script is instead an independent implementation of the V2.0
XML protocol, written from the public Java SDK's rules (IJPay-JDPay:
XmlEncryptUtil, ThreeDesUtil, VerifySignatureUtl) on pycryptodome's 3DES and
plain RSA arithmetic, sharing no code with the Rust crate.

usage: check.py BASE_URL MERCHANT DES_KEY_FILE MERCHANT_PRIVATE_PEM JD_PUBLIC_PEM
"""

import base64
import hashlib
import json
import re
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

from Crypto.Cipher import DES3
from Crypto.PublicKey import RSA

HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def rsa_private_encrypt(key, data):
    """Java's Cipher("RSA") encrypt with a private key: PKCS#1 v1.5 type 1."""
    k = (key.n.bit_length() + 7) // 8
    em = b"\x00\x01" + b"\xff" * (k - len(data) - 3) + b"\x00" + data
    return pow(int.from_bytes(em, "big"), key.d, key.n).to_bytes(k, "big")


def rsa_public_decrypt(key, sig):
    k = (key.n.bit_length() + 7) // 8
    em = pow(int.from_bytes(sig, "big"), key.e, key.n).to_bytes(k, "big")
    if not em.startswith(b"\x00\x01"):
        raise ValueError("bad padding")
    return em[em.index(b"\x00", 2) + 1:]


def canonical(xml_text):
    if not xml_text.strip().startswith("<?xml"):
        xml_text = HEAD + xml_text
    text = "".join(piece.strip() for piece in re.split(r"[\t\r\n]", xml_text))
    start, end = text.find("<sign>"), text.rfind("</sign>")
    if start >= 0 and end >= 0:
        text = text[:start] + text[end + len("</sign>"):]
    return text


def sign_text(key, xml_text):
    digest = hashlib.sha256(xml_text.encode("utf-8")).hexdigest().encode()
    return base64.b64encode(rsa_private_encrypt(key, digest)).decode()


def des_encrypt(des_key, data):
    framed = len(data).to_bytes(4, "big") + data
    framed += b"\x00" * ((8 - len(framed) % 8) % 8)
    hex_text = DES3.new(des_key, DES3.MODE_ECB).encrypt(framed).hex()
    return base64.b64encode(hex_text.encode()).decode()


def des_decrypt(des_key, element):
    raw = bytes.fromhex(base64.b64decode(element).decode())
    plain = DES3.new(des_key, DES3.MODE_ECB).decrypt(raw)
    size = int.from_bytes(plain[:4], "big")
    return plain[4:4 + size].decode("utf-8")


def to_xml(fields):
    body = "".join("<%s>%s</%s>" % (k, v, k) for k, v in fields)
    return HEAD + "<jdpay>" + body + "</jdpay>"


class Client:
    def __init__(self, base_url, merchant, des_key, private_key, jd_public):
        self.base_url = base_url.rstrip("/")
        self.merchant = merchant
        self.des_key = des_key
        self.private_key = private_key
        self.jd_public = jd_public

    def call(self, path, fields, signer=None):
        plain = to_xml([("version", "V2.0"), ("merchant", self.merchant)] + fields)
        sig = sign_text(signer or self.private_key, plain)
        signed = plain[: -len("</jdpay>")] + "<sign>" + sig + "</sign></jdpay>"
        body = to_xml([("version", "V2.0"), ("merchant", self.merchant),
                       ("encrypt", des_encrypt(self.des_key, signed.encode("utf-8")))])
        req = urllib.request.Request(self.base_url + path, data=body.encode("utf-8"),
                                     headers={"Content-Type": "application/xml;charset=utf-8"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            answer = ET.fromstring(resp.read())
        code = answer.findtext("result/code")
        if code != "000000":
            return code, None
        inner = des_decrypt(self.des_key, answer.findtext("encrypt"))
        sig = re.search(r"<sign>(.*)</sign>", inner, re.S).group(1)
        expected = hashlib.sha256(canonical(inner).encode("utf-8")).hexdigest().encode()
        assert rsa_public_decrypt(self.jd_public, base64.b64decode(sig)) == expected, "JD signature"
        doc = ET.fromstring(canonical(inner)[len(HEAD):])
        return code, {child.tag: (child.text or "") for child in doc if len(child) == 0}


def now():
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() + 8 * 3600))


def main():
    base_url, merchant, des_key_file, private_pem, jd_public_pem = sys.argv[1:6]
    des_key = base64.b64decode(open(des_key_file).read().strip())
    client = Client(base_url, merchant, des_key, RSA.import_key(open(private_pem).read()),
                    RSA.import_key(open(jd_public_pem).read()))
    suffix = str(int(time.time() * 1000))
    notify = "http://127.0.0.1:9/notify"

    qr_no = "PYQR" + suffix
    code, answer = client.call("/service/uniorder", [
        ("tradeNum", qr_no), ("tradeName", "sdk check"), ("tradeTime", now()), ("amount", "1500"),
        ("orderType", "1"), ("currency", "CNY"), ("notifyUrl", notify), ("tradeType", "QR")])
    assert code == "000000" and answer["qrCode"], (code, answer)
    code, answer = client.call("/service/query", [("tradeNum", qr_no), ("tradeType", "0")])
    assert answer["status"] == "0", answer
    pay = urllib.request.Request(base_url.rstrip("/") + "/_sandbox/orders/%s/pay" % qr_no, data=b"", method="POST")
    with urllib.request.urlopen(pay, timeout=10) as resp:
        assert resp.status == 204
    code, answer = client.call("/service/query", [("tradeNum", qr_no), ("tradeType", "0")])
    assert answer["status"] == "2" and answer["amount"] == "1500" and answer["payTime"], answer

    bc_no = "PYBC" + suffix
    code, answer = client.call("/service/fkmPay", [
        ("token", "181234567890123456"), ("tradeNum", bc_no), ("tradeName", "sdk check"), ("tradeTime", now()),
        ("amount", "700"), ("currency", "CNY"), ("notifyUrl", notify)])
    assert code == "000000" and answer["status"] == "2", (code, answer)

    refund_no = bc_no + "R1"
    code, answer = client.call("/service/refund", [
        ("tradeNum", refund_no), ("oTradeNum", bc_no), ("amount", "200"), ("currency", "CNY"),
        ("tradeTime", now()), ("notifyUrl", notify)])
    assert answer["status"] == "2" and answer["amount"] == "200", answer
    code, answer = client.call("/service/query", [("tradeNum", refund_no), ("tradeType", "1")])
    assert answer["status"] == "2" and answer["oTradeNum"] == bc_no, answer
    code, _ = client.call("/service/refund", [
        ("tradeNum", bc_no + "R2"), ("oTradeNum", bc_no), ("amount", "600"), ("currency", "CNY"),
        ("tradeTime", now()), ("notifyUrl", notify)])
    assert code == "TJ0B0012", code

    open_no = "PYRV" + suffix
    client.call("/service/uniorder", [
        ("tradeNum", open_no), ("tradeName", "sdk check"), ("tradeTime", now()), ("amount", "100"),
        ("orderType", "1"), ("currency", "CNY"), ("notifyUrl", notify), ("tradeType", "QR")])
    code, answer = client.call("/service/revoke", [
        ("tradeNum", open_no + "R"), ("oTradeNum", open_no), ("amount", "100"), ("currency", "CNY"),
        ("tradeTime", now())])
    assert code == "000000", code
    code, answer = client.call("/service/query", [("tradeNum", open_no), ("tradeType", "0")])
    assert answer["status"] == "4", answer
    code, _ = client.call("/service/query", [("tradeNum", "PYNONE" + suffix), ("tradeType", "0")])
    assert code == "TJ0B0004", code

    # Signed with a key the sandbox does not know: refused.
    code, _ = client.call("/service/query", [("tradeNum", qr_no), ("tradeType", "0")], signer=RSA.generate(1024))
    assert code == "000002", code

    print("sdk-check ok: uniorder, pay, query, fkmPay, refund, refund query, revoke, not found, bad signature")


if __name__ == "__main__":
    main()
