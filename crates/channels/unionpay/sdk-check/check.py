#!/usr/bin/env python3
"""Independent cross-check of juhe's UnionPay ACP 5.1.0 sandbox.

No maintained UnionPay ACP client exists on PyPI (`unionpay`,
`python-unionpay`, `pay-union` do not exist there), so this script is an
independent implementation of the ACP 5.1.0 rules, written from the public
descriptions (not from juhe's Rust code): it signs requests with
`cryptography` (RSA, signMethod 01) and hashlib / gmssl (11 / 12), posts
them to the sandbox, parses UnionPay's raw `k=v&...` answers, verifies
`signPubKeyCert` against the sandbox root -> middle chain and the answer
signatures, and asserts the business results.

usage: check.py <sandbox base url> <fixtures dir>
"""

import base64
import hashlib
import json
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from gmssl import func, sm3

BEIJING = timezone(timedelta(hours=8))
MER_RSA, MER_SHA256, MER_SM3 = "777290058110048", "777290058110049", "777290058110050"
SECURE_KEYS = {"11": "88888888", "12": "sm3-secure-key-12"}
MER_BY_METHOD = {"01": MER_RSA, "11": MER_SHA256, "12": MER_SM3}
UNIONPAY_CN = "中国银联股份有限公司"

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


def sign_string(fields):
    return "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "signature" and v != "")


def sm3_hex(data):
    return sm3.sm3_hash(func.bytes_to_list(data))


def digest_hex(method, data):
    return sm3_hex(data) if method == "12" else hashlib.sha256(data).hexdigest()


class Context:
    def __init__(self, base, fixtures):
        self.base = base.rstrip("/")
        with open(f"{fixtures}/merchant_sign.key", "rb") as f:
            self.merchant_key = serialization.load_pem_private_key(f.read(), password=None)
        with open(f"{fixtures}/merchant_sign.cer", "rb") as f:
            self.merchant_cert_id = str(x509.load_pem_x509_certificate(f.read()).serial_number)
        with open(f"{fixtures}/acp_sandbox_root.cer", "rb") as f:
            self.root = x509.load_pem_x509_certificate(f.read())
        with open(f"{fixtures}/acp_sandbox_middle.cer", "rb") as f:
            self.middle = x509.load_pem_x509_certificate(f.read())

    def sign(self, method, fields):
        fields = {k: v for k, v in fields.items() if v != ""}
        fields["signMethod"] = method
        if method == "01":
            fields["certId"] = self.merchant_cert_id
            d = hashlib.sha256(sign_string(fields).encode()).hexdigest()
            raw = self.merchant_key.sign(d.encode(), padding.PKCS1v15(), hashes.SHA256())
            fields["signature"] = base64.b64encode(raw).decode()
        else:
            key_digest = digest_hex(method, SECURE_KEYS[method].encode())
            fields["signature"] = digest_hex(method, f"{sign_string(fields)}&{key_digest}".encode())
        return fields

    def verify_answer(self, method, answer):
        """ACP 5.1.0 answer verification, as the merchant does it."""
        check(answer.get("signMethod") == method, f"answer signMethod {answer.get('signMethod')}")
        signature = answer["signature"]
        if method == "01":
            leaf = x509.load_pem_x509_certificate(answer["signPubKeyCert"].encode())
            # Chain: leaf <- middle <- root (each signature checked).
            leaf.verify_directly_issued_by(self.middle)
            self.middle.verify_directly_issued_by(self.root)
            now = datetime.now(timezone.utc)
            check(leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc, "leaf validity")
            cn = leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
            check(cn.split("@")[2] == UNIONPAY_CN, f"CN {cn}")
            d = hashlib.sha256(sign_string(answer).encode()).hexdigest()
            leaf.public_key().verify(base64.b64decode(signature), d.encode(), padding.PKCS1v15(), hashes.SHA256())
            check(True, "rsa answer signature")
        else:
            key_digest = digest_hex(method, SECURE_KEYS[method].encode())
            expected = digest_hex(method, f"{sign_string(answer)}&{key_digest}".encode())
            check(expected == signature, "secure-key answer signature")

    def post(self, path, fields):
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            check(response.status == 200, f"HTTP {response.status}")
            return parse_raw(response.read().decode("utf-8"))

    def call(self, method, path, fields, verify=True):
        answer = self.post(path, self.sign(method, fields))
        if verify:
            self.verify_answer(method, answer)
        return answer

    def pay(self, order_id):
        request = urllib.request.Request(f"{self.base}/_sandbox/orders/{order_id}/pay", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


def parse_raw(text):
    """UnionPay's raw answer: split on '&' outside {...} and [...]."""
    fields, depth, start = {}, 0, 0
    text = text.strip()
    for i, ch in enumerate(text):
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "&" and depth == 0:
            key, _, value = text[start:i].partition("=")
            fields[key] = value
            start = i + 1
    key, _, value = text[start:].partition("=")
    fields[key] = value
    return fields


def base(method, txn, sub, biz, order_id, when, channel_type="08"):
    return {
        "version": "5.1.0",
        "encoding": "UTF-8",
        "txnType": txn,
        "txnSubType": sub,
        "bizType": biz,
        "channelType": channel_type,
        "accessType": "0",
        "merId": MER_BY_METHOD[method],
        "orderId": order_id,
        "txnTime": when.strftime("%Y%m%d%H%M%S"),
    }


def run(ctx, method):
    stamp = str(int(time.time() * 1000))[-10:]
    now = datetime.now(BEIJING)
    back = "http://127.0.0.1:9/notify"

    # Merchant-presented QR, paid on the payer page, then queried.
    qr_order = f"PYQR{method}{stamp}"
    fields = base(method, "01", "07", "000000", qr_order, now)
    fields.update({"txnAmt": "1200", "currencyCode": "156", "backUrl": back})
    answer = ctx.call(method, "/gateway/api/backTransReq.do", fields)
    check(answer["respCode"] == "00", f"qr respCode {answer['respCode']}")
    check(answer.get("qrCode", "").endswith(qr_order), "qrCode")
    query = base(method, "00", "00", "000201", qr_order, now)
    del query["channelType"]
    answer = ctx.call(method, "/gateway/api/queryTrans.do", query)
    check(answer["respCode"] == "00" and answer["origRespCode"] == "05", "unpaid QR is pending")
    ctx.pay(qr_order)
    answer = ctx.call(method, "/gateway/api/queryTrans.do", query)
    check(answer["origRespCode"] == "00" and answer["txnAmt"] == "1200", "paid QR")
    qr_query_id = answer["queryId"]

    # Refund part of it; it completes shortly after.
    refund_order = f"PYRF{method}{stamp}"
    fields = base(method, "04", "00", "000000", refund_order, now)
    fields.update({"txnAmt": "200", "currencyCode": "156", "origQryId": qr_query_id, "backUrl": back})
    answer = ctx.call(method, "/gateway/api/backTransReq.do", fields)
    check(answer["respCode"] == "00", f"refund respCode {answer['respCode']}")
    refund_query = base(method, "00", "00", "000201", refund_order, now)
    del refund_query["channelType"]
    for _ in range(50):
        answer = ctx.call(method, "/gateway/api/queryTrans.do", refund_query)
        if answer.get("origRespCode") == "00":
            break
        time.sleep(0.05)
    check(answer.get("origRespCode") == "00" and answer["txnAmt"] == "200", "refund completed")

    # Payer-presented code, paid at once, then voided.
    code_order = f"PYBC{method}{stamp}"
    fields = base(method, "01", "06", "000000", code_order, now)
    fields.update({"txnAmt": "300", "currencyCode": "156", "qrNo": "6212345678901234567", "backUrl": back})
    answer = ctx.call(method, "/gateway/api/backTransReq.do", fields)
    check(answer["respCode"] == "00", f"barcode respCode {answer['respCode']}")
    fields = base(method, "31", "00", "000000", f"PYCX{method}{stamp}", now)
    fields.update({"txnAmt": "300", "currencyCode": "156", "origQryId": answer["queryId"], "backUrl": back})
    answer = ctx.call(method, "/gateway/api/backTransReq.do", fields)
    check(answer["respCode"] == "00", f"void respCode {answer['respCode']}")

    # App control payment gives a tn.
    fields = base(method, "01", "01", "000201", f"PYAP{method}{stamp}", now)
    fields.update({"txnAmt": "100", "currencyCode": "156", "backUrl": back})
    answer = ctx.call(method, "/gateway/api/appTransReq.do", fields)
    check(answer["respCode"] == "00" and len(answer.get("tn", "")) == 21, "app tn")

    # A tampered request is refused with 11.
    fields = ctx.sign(method, base(method, "01", "07", "000000", f"PYTM{method}{stamp}", now) | {
        "txnAmt": "100", "currencyCode": "156", "backUrl": back})
    fields["txnAmt"] = "1"
    answer = ctx.post("/gateway/api/backTransReq.do", fields)
    check(answer["respCode"] == "11", f"tampered respCode {answer['respCode']}")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    ctx = Context(sys.argv[1], sys.argv[2])
    for method in ("01", "11", "12"):
        run(ctx, method)
    print(f"unionpay sdk-check: OK ({checks} checks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
