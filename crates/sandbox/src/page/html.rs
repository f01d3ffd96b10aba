//! The page itself: works offline, no external assets.

use super::orders::Order;
use std::fmt::Write;

/// Escapes text for HTML element content and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn channel_label(channel: &str) -> &'static str {
    match channel {
        "wechatpay" => "WeChat Pay 微信支付",
        "alipay" => "Alipay 支付宝",
        "unionpay" => "UnionPay 银联",
        "jdpay" => "JD Pay 京东支付",
        _ => "other",
    }
}

fn rows(orders: &[Order]) -> String {
    if orders.is_empty() {
        return "<tr><td colspan=\"4\">No orders yet.</td></tr>".into();
    }
    let mut out = String::new();
    for o in orders {
        let button = if o.payable {
            let (channel, no) = (escape(o.channel), escape(&o.out_trade_no));
            format!(
                "<button class=\"pay\" data-channel=\"{channel}\" data-no=\"{no}\">Pay</button> \
                 <button class=\"decline\" data-channel=\"{channel}\" data-no=\"{no}\">Decline</button>"
            )
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}<br><small>{}</small></td><td class=\"amount\">¥{}</td><td>{} {}</td></tr>",
            channel_label(o.channel),
            escape(&o.out_trade_no),
            escape(o.code_url.as_deref().unwrap_or("")),
            escape(&o.amount_yuan),
            escape(&o.state),
            button
        );
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40em;margin:1em auto;padding:0 1em}\
input{width:100%;padding:.5em;box-sizing:border-box}button{padding:.5em 1em;margin:.3em 0}\
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.4em;vertical-align:top}\
.amount{text-align:right;white-space:nowrap}small{color:#666;word-break:break-all}\
#result{padding:.5em;margin:.5em 0;background:#f4f4f4;min-height:1.5em}";

const SCRIPT: &str = r#"
const result = document.getElementById('result');
function show(o) {
  result.textContent = o.error ? o.error : (o.channel + ' ' + o.out_trade_no + ': ¥' + o.amount_yuan + ' — ' + o.state);
}
async function act(action, body) {
  const r = await fetch('/api/' + action, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
  show(await r.json());
  if (r.ok) setTimeout(() => location.reload(), 1200);
}
document.getElementById('scan').addEventListener('submit', async (e) => {
  e.preventDefault();
  const code = document.getElementById('code').value.trim();
  const r = await fetch('/api/lookup?code=' + encodeURIComponent(code));
  const o = await r.json();
  show(o);
  document.getElementById('pay-scanned').disabled = !(r.ok && o.payable);
  document.getElementById('decline-scanned').disabled = !(r.ok && o.payable);
});
const scanned = () => ({code: document.getElementById('code').value.trim()});
document.getElementById('pay-scanned').addEventListener('click', () => act('pay', scanned()));
document.getElementById('decline-scanned').addEventListener('click', () => act('decline', scanned()));
for (const action of ['pay', 'decline']) {
  document.querySelectorAll('button.' + action).forEach((b) => b.addEventListener('click', () => act(action, {channel: b.dataset.channel, out_trade_no: b.dataset.no})));
}
"#;

pub fn render(orders: &[Order]) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>Payer's phone · juhe sandbox</title><style>{STYLE}</style></head><body>\
<h1>Payer's phone</h1><p>Scan (paste) a QR <code>code_url</code>, or pick an open order below. \
Every order here lives in a local sandbox; no real money moves.</p>\
<form id=\"scan\"><input id=\"code\" name=\"code\" placeholder=\"weixin://wxpay/bizpayurl?pr=… or https://…\" autofocus>\
<button type=\"submit\">Look up</button> <button type=\"button\" id=\"pay-scanned\" disabled>Pay</button> \
<button type=\"button\" id=\"decline-scanned\" disabled>Decline</button></form>\
<div id=\"result\" aria-live=\"polite\"></div>\
<h2>Orders</h2><table><tbody>{rows}</tbody></table>\
<script>{SCRIPT}</script></body></html>\n",
        rows = rows(orders)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_text_is_escaped() {
        let order = Order {
            channel: "alipay",
            out_trade_no: "<script>".into(),
            amount: 1,
            amount_yuan: "0.01".into(),
            state: "WAIT_BUYER_PAY".into(),
            payable: true,
            code_url: Some("a\"b".into()),
        };
        let page = render(&[order]);
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("a&quot;b"));
        assert!(page.contains("¥0.01"));
    }
}
