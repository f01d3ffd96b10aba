"""Cross-check: the public `python-alipay-sdk` (import name `alipay`) talks to
the juhe Alipay sandbox unchanged, except for its gateway URL.

Usage: check.py <sandbox_base_url> <vectors/alipay.json> <sandbox alipay public key PEM>

The SDK hard-codes its gateway (`AliPay._gateway`, production or Alipay's
own sandbox); that instance attribute is the only thing patched here.
"""

import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from alipay import AliPay

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

    server.shutdown()
    print(f"sdk-check: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
