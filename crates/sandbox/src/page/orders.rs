//! The orders of every HTTP sandbox, as the payer page shows them, read
//! through each sandbox's `GET /_sandbox/orders`.

use crate::Endpoints;
use juhe_domain::{Currency, Money};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub channel: &'static str,
    /// The number the sandbox's pay endpoint takes.
    pub out_trade_no: String,
    /// Minor units (fen).
    pub amount: i64,
    /// The amount in yuan, exactly (`12.34`).
    pub amount_yuan: String,
    /// The sandbox's own state name (`NOTPAY`, `WAIT_BUYER_PAY`, …).
    pub state: String,
    pub payable: bool,
    pub code_url: Option<String>,
}

#[derive(Deserialize)]
struct Listing {
    orders: Vec<ListedOrder>,
}

#[derive(Deserialize)]
struct ListedOrder {
    out_trade_no: String,
    amount: i64,
    state: String,
    payable: bool,
    #[serde(default)]
    code_url: Option<String>,
}

pub struct PayerPage {
    endpoints: Endpoints,
    http: reqwest::Client,
}

impl PayerPage {
    pub fn new(endpoints: Endpoints) -> PayerPage {
        PayerPage {
            endpoints,
            http: reqwest::Client::new(),
        }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    fn base_url(&self, channel: &str) -> Option<&str> {
        self.endpoints
            .order_sandboxes()
            .into_iter()
            .find(|(c, _)| *c == channel)
            .map(|(_, url)| url)
    }

    async fn listing(&self, channel: &'static str, base_url: &str) -> Vec<Order> {
        let fetched = async {
            self.http
                .get(format!("{base_url}/_sandbox/orders"))
                .send()
                .await?
                .error_for_status()?
                .json::<Listing>()
                .await
        };
        match fetched.await {
            Ok(listing) => listing
                .orders
                .into_iter()
                .map(|o| Order {
                    channel,
                    amount_yuan: Money::new(o.amount, Currency::CNY).to_decimal_string(),
                    out_trade_no: o.out_trade_no,
                    amount: o.amount,
                    state: o.state,
                    payable: o.payable,
                    code_url: o.code_url,
                })
                .collect(),
            Err(e) => {
                // One sandbox down must not hide the others' orders.
                tracing::warn!(channel, error = %e, "listing a sandbox's orders failed");
                Vec::new()
            }
        }
    }

    /// Every order of every sandbox, payable ones first.
    pub async fn orders(&self) -> Vec<Order> {
        let listings = self
            .endpoints
            .order_sandboxes()
            .map(|(channel, url)| self.listing(channel, url));
        let mut all: Vec<Order> = futures::future::join_all(listings)
            .await
            .into_iter()
            .flatten()
            .collect();
        all.sort_by_key(|o| !o.payable);
        all
    }

    /// The order a scanned `code_url` (or an order number) names, in
    /// `channel` when given.
    pub async fn find(&self, channel: Option<&str>, wanted: &str) -> Option<Order> {
        let wanted = wanted.trim();
        if wanted.is_empty() {
            return None;
        }
        self.orders().await.into_iter().find(|o| {
            channel.is_none_or(|c| c == o.channel)
                && (o.code_url.as_deref() == Some(wanted) || o.out_trade_no == wanted)
        })
    }

    /// The payer presses "Pay" (or "Decline"): the sandbox decides
    /// (scripted behaviours apply; a decline is the channel's own) and the
    /// order's new state is read back.
    pub async fn act(&self, order: &Order, action: PayerAction) -> Result<Order, String> {
        let base_url = self.base_url(order.channel).ok_or("unknown channel")?;
        let response = self
            .http
            .post(format!(
                "{base_url}/_sandbox/orders/{}/{}",
                order.out_trade_no,
                action.path()
            ))
            .send()
            .await
            .map_err(|e| format!("the {} sandbox did not answer: {e}", order.channel))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("the {} sandbox refused ({status}): {body}", order.channel));
        }
        let channel = order.channel;
        Ok(self
            .listing(channel, base_url)
            .await
            .into_iter()
            .find(|o| o.out_trade_no == order.out_trade_no)
            .unwrap_or_else(|| order.clone()))
    }
}

/// What the payer does with an open order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerAction {
    Pay,
    /// Refuses to pay: WeChat fails the order (`PAYERROR`), UnionPay and
    /// JD Pay fail it and notify the failure, Alipay keeps the trade open
    /// (it fails nothing when a face-to-face payer gives up).
    Decline,
}

impl PayerAction {
    fn path(self) -> &'static str {
        match self {
            PayerAction::Pay => "pay",
            PayerAction::Decline => "decline",
        }
    }
}
