"""Cross-check: the public `python-alipay-sdk` (import name `alipay`) talks to
the juhe Alipay sandbox unchanged, except for its gateway URL.

Usage: check.py <sandbox_base_url> <vectors/alipay.json> <sandbox alipay public key PEM> <fixtures dir>

The SDK hard-codes its gateway (`AliPay._gateway`, production or Alipay's
own sandbox); that instance attribute is the only thing patched here.

Certificate mode runs through the SDK's `DCAliPay` (its app_cert_sn and
alipay_root_cert_sn, its verification with the key of the Alipay public-key
certificate). The SDK has no content encryption, so that part is an
independent client of the rules (AES-CBC with a zero IV over biz_content,
the answer a signed JSON string of ciphertext, quotes included) on
pycryptodomex, using only the SDK's signing and verifying.
"""

import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from base64 import b64decode, b64encode

from alipay import AliPay, DCAliPay
from Cryptodome.Cipher import AES
from Cryptodome.Util.Padding import pad, unpad

APP_ID = "2021000122671080"
AUTH_CODE = "286648048691290423"

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


received = []


class NotifyHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        received.append(dict(urllib.parse.parse_qsl(body, keep_blank_values=True)))
        answer = b"success"
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def wait_for(predicate, seconds=5.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = [n for n in received if predicate(n)]
        if found:
            return found[0]
        time.sleep(0.05)
    return None


def main():
    base, vectors_path, alipay_public_path = sys.argv[1:4]
    with open(vectors_path, encoding="utf-8") as f:
        keys = json.load(f)["keys"]
    with open(alipay_public_path, encoding="utf-8") as f:
        alipay_public_key = f.read()

    server = HTTPServer(("127.0.0.1", 0), NotifyHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    notify_url = f"http://127.0.0.1:{server.server_address[1]}/notify"

    alipay = AliPay(
        appid=APP_ID,
        app_notify_url=notify_url,
        app_private_key_string=keys["app_private_key_pkcs1_pem"],
        alipay_public_key_string=alipay_public_key,
        sign_type="RSA2",
    )
    # The one patch: point the SDK at the sandbox instead of openapi.alipay.com.
    alipay._gateway = base + "/gateway.do"

    stamp = str(int(time.time() * 1000))
    qr_no = "sdk-qr-" + stamp
    bar_no = "sdk-bar-" + stamp
    close_no = "sdk-close-" + stamp

    r = alipay.api_alipay_trade_precreate(subject="SDK 交叉检查", out_trade_no=qr_no, total_amount="12.34")
    check("precreate answers 10000 with a qr_code", r.get("code") == "10000" and r.get("qr_code"), r)

    r = alipay.api_alipay_trade_query(out_trade_no=qr_no)
    check("query of the unpaid QR order is WAIT_BUYER_PAY", r.get("trade_status") == "WAIT_BUYER_PAY", r)

    with urllib.request.urlopen(urllib.request.Request(f"{base}/_sandbox/orders/{qr_no}/pay", method="POST")) as resp:
        check("payer page pays the order", resp.status == 200)

    r = alipay.api_alipay_trade_query(out_trade_no=qr_no)
    check(
        "query after paying is TRADE_SUCCESS for 12.34",
        r.get("trade_status") == "TRADE_SUCCESS" and r.get("total_amount") == "12.34" and r.get("send_pay_date"),
        r,
    )

    notice = wait_for(lambda n: n.get("out_trade_no") == qr_no and "out_biz_no" not in n)
    check("the sandbox notified the notify_url", notice is not None)
    if notice is not None:
        data = dict(notice)
        signature = data.pop("sign")
        check("SDK verify() accepts the sandbox notification", alipay.verify(dict(data), signature))
        check("notification says TRADE_SUCCESS", data.get("trade_status") == "TRADE_SUCCESS", data)
        tampered = dict(data)
        tampered["total_amount"] = "1234.00"
        check("SDK verify() rejects a tampered notification", not alipay.verify(tampered, signature))

    r = alipay.api_alipay_trade_pay(
        out_trade_no=bar_no, scene="bar_code", auth_code=AUTH_CODE, subject="SDK barcode", total_amount="0.01"
    )
    check("pay (bar_code) answers 10000 with a trade_no", r.get("code") == "10000" and r.get("trade_no"), r)
    check("pay answers total_amount 0.01", r.get("total_amount") == "0.01", r)

    r = alipay.api_alipay_trade_refund(refund_amount="2.34", out_trade_no=qr_no, out_request_no="sdk-r1")
    check(
        "partial refund answers 10000, fund_change Y, refund_fee 2.34",
        r.get("code") == "10000" and r.get("fund_change") == "Y" and r.get("refund_fee") == "2.34",
        r,
    )

    r = alipay.api_alipay_trade_fastpay_refund_query("sdk-r1", out_trade_no=qr_no)
    check("refund query finds 2.34", r.get("code") == "10000" and r.get("refund_amount") == "2.34", r)

    r = alipay.api_alipay_trade_cancel(out_trade_no=bar_no)
    check("cancel of the paid barcode trade refunds it", r.get("code") == "10000" and r.get("action") == "refund", r)

    r = alipay.api_alipay_trade_precreate(subject="SDK close", out_trade_no=close_no, total_amount="1.00")
    r = alipay.api_alipay_trade_close(out_trade_no=close_no)
    check("close of an unpaid trade answers 10000", r.get("code") == "10000", r)

    r = alipay.api_alipay_trade_query(out_trade_no="sdk-never-" + stamp)
    check(
        "query of an unknown order is a signed 40004 ACQ.TRADE_NOT_EXIST",
        r.get("code") == "40004" and r.get("sub_code") == "ACQ.TRADE_NOT_EXIST",
        r,
    )

    fixtures = sys.argv[4]
    certificate_mode(base, keys, fixtures, stamp)
    content_encryption(base, keys, alipay_public_key, stamp)

    server.shutdown()
    print(f"sdk-check: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def register(base, body):
    req = urllib.request.Request(
        f"{base}/_sandbox/merchants",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        return resp.status


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def raw_call(client, method, biz_content, **extra):
    url = client._gateway + "?" + client.sign_data(client.build_body(method, biz_content, **extra))
    with urllib.request.urlopen(url) as resp:
        return resp.read().decode()


def certificate_mode(base, keys, fixtures, stamp):
    app_cert = read(f"{fixtures}/sandbox-app-cert-TEST_ONLY.crt")
    alipay_cert = read(f"{fixtures}/sandbox-alipay-cert-TEST_ONLY.crt")
    root_cert = read(f"{fixtures}/sandbox-alipay-root-TEST_ONLY.crt")
    app_id = "2021000122671081"
    check("a certificate-mode app registers", register(base, {"app_id": app_id, "app_cert": app_cert}) == 204)
    client = DCAliPay(
        appid=app_id,
        app_private_key_string=keys["app_private_key_pkcs1_pem"],
        app_public_key_cert_string=app_cert,
        alipay_public_key_cert_string=alipay_cert,
        alipay_root_cert_string=root_cert,
        sign_type="RSA2",
    )
    client._gateway = base + "/gateway.do"
    no = "sdk-cert-" + stamp
    r = client.api_alipay_trade_precreate(subject="证书模式", out_trade_no=no, total_amount="3.21")
    check("certificate mode: precreate verified by DCAliPay", r.get("code") == "10000" and r.get("qr_code"), r)
    r = client.api_alipay_trade_query(out_trade_no=no)
    check("certificate mode: query verified by DCAliPay", r.get("trade_status") == "WAIT_BUYER_PAY", r)
    raw = json.loads(raw_call(client, "alipay.trade.query", {"out_trade_no": no}))
    check(
        "certificate mode: the answer names the SDK's SN of the Alipay certificate",
        raw.get("alipay_cert_sn") == DCAliPay.get_cert_sn(alipay_cert),
        raw,
    )
    # The SDK's app_cert_sn of another certificate is refused by the gateway.
    client._app_cert_sn = DCAliPay.get_cert_sn(alipay_cert)
    raw = json.loads(raw_call(client, "alipay.trade.query", {"out_trade_no": no}))
    check(
        "certificate mode: a wrong app_cert_sn is refused",
        raw["alipay_trade_query_response"].get("sub_code") == "isv.invalid-app-cert-sn",
        raw,
    )


def content_encryption(base, keys, alipay_public_key, stamp):
    aes_key = "aGVsbG8gd29ybGQgMTIzNA=="
    app_id = "2021000122671082"
    check(
        "an app with an AES key registers",
        register(base, {"app_id": app_id, "public_key": keys["app_public_key_pem"], "encrypt_key": aes_key}) == 204,
    )
    client = AliPay(
        appid=app_id,
        app_private_key_string=keys["app_private_key_pkcs1_pem"],
        alipay_public_key_string=alipay_public_key,
        sign_type="RSA2",
    )
    client._gateway = base + "/gateway.do"
    key = b64decode(aes_key)

    def encrypt(text):
        return b64encode(AES.new(key, AES.MODE_CBC, iv=bytes(16)).encrypt(pad(text.encode(), 16))).decode()

    def decrypt(text):
        return unpad(AES.new(key, AES.MODE_CBC, iv=bytes(16)).decrypt(b64decode(text)), 16).decode()

    no = "sdk-aes-" + stamp
    biz = json.dumps({"out_trade_no": no, "total_amount": "4.56", "subject": "加密"}, ensure_ascii=False)
    raw = raw_call(client, "alipay.trade.precreate", encrypt(biz), encrypt_type="AES")
    name = '"alipay_trade_precreate_response":'
    start = raw.index(name) + len(name)
    end = raw.index('"', start + 1) + 1
    token = raw[start:end]
    signature = json.loads(raw)["sign"]
    check("encryption: the answer is a string of ciphertext", token.startswith('"') and "{" not in token, raw)
    check("encryption: the SDK verifies it over the quoted ciphertext", client._verify(token, signature))
    answer = json.loads(decrypt(token.strip('"')))
    check(
        "encryption: it decrypts to the precreate answer",
        answer.get("code") == "10000" and answer.get("out_trade_no") == no and answer.get("qr_code"),
        answer,
    )
    raw = raw_call(client, "alipay.trade.query", encrypt(json.dumps({"out_trade_no": no})), encrypt_type="DES")
    check(
        "encryption: an unknown encrypt_type is refused in clear",
        json.loads(raw)["alipay_trade_query_response"].get("sub_code") == "isv.decryption-error-not-valid-encrypt-type",
        raw,
    )


if __name__ == "__main__":
    sys.exit(main())
