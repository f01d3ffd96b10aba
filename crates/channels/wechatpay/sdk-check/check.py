"""Cross-check of juhe's WeChat Pay sandbox with the public Python SDK
`wechatpayv3` (PyPI, minibear2021/wechatpayv3).

Usage: check.py <settings.json>

The SDK hard-codes its host (`Core._gate_way = 'https://api.mch.weixin.qq.com'`,
set in `Core.__init__`). The only patch applied here replaces that one
attribute with the sandbox base URL; everything else (signing, certificate
download and decryption, response verification, callback verification and
decryption) is the SDK's own code, unchanged.
"""

import gzip
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import wechatpayv3.core
from wechatpayv3 import WeChatPay, WeChatPayType


def patch_host(base_url):
    wechatpayv3.core.Core._gate_way = property(lambda self: base_url, lambda self, value: None)


class Inbox:
    """A local notify_url that records notifications and answers 204."""

    def __init__(self):
        self.items = []
        self.cond = threading.Condition()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k: v for k, v in self.headers.items()}
                with inbox.cond:
                    inbox.items.append((headers, body))
                    inbox.cond.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/notify" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout=10):
        deadline = time.time() + timeout
        with self.cond:
            while not self.items:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no notification arrived")
                self.cond.wait(left)
            return self.items.pop(0)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok:", message)


def sandbox_pay(base_url, out_trade_no):
    request = urllib.request.Request(
        "%s/_sandbox/orders/%s/pay" % (base_url, out_trade_no), data=b"", method="POST"
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["trade_state"]


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        s = json.load(f)
    base = s["base_url"]
    patch_host(base)
    inbox = Inbox()
    cert_dir = tempfile.mkdtemp(prefix="wechatpay-sdk-certs-")
    stamp = str(int(time.time() * 1000))

    # Certificate mode: the SDK downloads /v3/certificates at construction,
    # decrypts them with the APIv3 key and stores them by serial.
    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=s["mchid"],
        private_key=s["private_key"],
        cert_serial_no=s["merchant_serial_no"],
        appid=s["appid"],
        apiv3_key=s["apiv3_key"],
        notify_url=inbox.url,
        cert_dir=cert_dir,
    )
    saved = os.listdir(cert_dir)
    expect(saved == [s["platform_serial"] + ".pem"], "platform certificate downloaded as %s" % saved)

    no = "SDK" + stamp
    code, message = wxpay.pay(description="SDK 交叉验证", out_trade_no=no, amount={"total": 101})
    expect(code == 200, "native order answered 200 (%s %s)" % (code, message))
    expect(json.loads(message)["code_url"].startswith("weixin://wxpay/bizpayurl?pr="), "native order has a code_url")

    code, message = wxpay.query(out_trade_no=no)
    expect(code == 200 and json.loads(message)["trade_state"] == "NOTPAY", "query says NOTPAY")

    expect(sandbox_pay(base, no) == "SUCCESS", "payer paid on the sandbox payer page")
    headers, body = inbox.next()
    result = wxpay.callback(headers, body)
    expect(result is not None, "payment notification verified and decrypted by the SDK")
    expect(result["event_type"] == "TRANSACTION.SUCCESS", "event TRANSACTION.SUCCESS")
    resource = result["resource"]
    expect(resource["out_trade_no"] == no and resource["trade_state"] == "SUCCESS", "notified order is paid")
    expect(resource["amount"]["total"] == 101, "notified amount is 101 fen")
    tampered = body.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.FAILURE")
    expect(wxpay.callback(headers, tampered) is None, "a tampered notification is refused by the SDK")

    code, message = wxpay.query(transaction_id=resource["transaction_id"])
    expect(code == 200 and json.loads(message)["trade_state"] == "SUCCESS", "query by transaction_id says SUCCESS")

    refund_no = "SDKR" + stamp
    code, message = wxpay.refund(
        out_refund_no=refund_no, amount={"refund": 100, "total": 101, "currency": "CNY"}, out_trade_no=no
    )
    expect(code == 200 and json.loads(message)["status"] == "PROCESSING", "refund accepted as PROCESSING")
    headers, body = inbox.next()
    result = wxpay.callback(headers, body)
    expect(result is not None and result["event_type"] == "REFUND.SUCCESS", "refund notification verified")
    expect(result["resource"]["refund_status"] == "SUCCESS", "refund notification says SUCCESS")
    code, message = wxpay.query_refund(out_refund_no=refund_no)
    expect(code == 200 and json.loads(message)["status"] == "SUCCESS", "refund query says SUCCESS")

    # The day's bill (the SDK asks for GZIP); hash_value is over the original file.
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    code, message = wxpay.trade_bill(bill_date=today)
    expect(code == 200, "tradebill answered 200 (%s %s)" % (code, message))
    bill = json.loads(message)
    code, packed = wxpay.download_bill(bill["download_url"])
    expect(code == 200, "bill downloaded")
    original = gzip.decompress(packed)
    expect(hashlib.sha1(original).hexdigest() == bill["hash_value"], "bill SHA-1 equals hash_value")
    lines = original.decode("utf-8").split("\r\n")
    expect(lines[0].startswith("\ufeff交易时间,公众账号ID,商户号"), "bill has BOM and the detail header")
    expect(any(("`%s," % no) in line and "`SUCCESS," in line for line in lines), "bill has the payment row")
    expect(any(("`%s," % refund_no) in line and "`REFUND," in line for line in lines), "bill has the refund row")

    closing = "SDKC" + stamp
    code, _ = wxpay.pay(description="to close", out_trade_no=closing, amount={"total": 1})
    expect(code == 200, "second order created")
    code, message = wxpay.close(out_trade_no=closing)
    expect(code == 204, "close answered 204 (%s %r)" % (code, message))
    code, message = wxpay.query(out_trade_no=closing)
    expect(json.loads(message)["trade_state"] == "CLOSED", "closed order says CLOSED")

    # Platform public key mode: no certificate download, PUB_KEY_ID serial.
    wxpay_pk = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=s["mchid_public_key_mode"],
        private_key=s["private_key"],
        cert_serial_no=s["merchant_serial_no"],
        appid=s["appid"],
        apiv3_key=s["apiv3_key"],
        notify_url=inbox.url,
        public_key=s["platform_public_key"],
        public_key_id=s["platform_public_key_id"],
    )
    pk_no = "SDKP" + stamp
    code, message = wxpay_pk.pay(description="public key mode", out_trade_no=pk_no, amount={"total": 7})
    expect(code == 200, "public-key-mode order verified by the SDK")
    code, message = wxpay_pk.query(out_trade_no=pk_no)
    expect(code == 200 and json.loads(message)["amount"]["total"] == 7, "public-key-mode query")

    # A merchant signing with the wrong key is refused with 401 SIGN_ERROR.
    forged = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=s["mchid_public_key_mode"],
        private_key=s["wrong_private_key"],
        cert_serial_no=s["merchant_serial_no"],
        appid=s["appid"],
        apiv3_key=s["apiv3_key"],
        notify_url=inbox.url,
        public_key=s["platform_public_key"],
        public_key_id=s["platform_public_key_id"],
    )
    code, message = forged.query(out_trade_no=pk_no)
    expect(code == 401 and json.loads(message)["code"] == "SIGN_ERROR", "wrong merchant key gets 401 SIGN_ERROR")
    print("SDK cross-check passed")


if __name__ == "__main__":
    main()
