//! A channel that lives entirely in memory, for testing how juhe drives
//! channels (routing, failover, follow-up queries, deadlines, refunds,
//! notifications) without any institution or sandbox.
//!
//! Every call pops the next scripted [`Step`] for its order
//! (`channel_order_no`) or falls back to the channel's default for the
//! operation, and is recorded ([`Call`]) so a test can assert exactly what
//! juhe asked, in which order. Orders juhe has not created yet are scripted
//! through a [`Plan`]: the next `create` takes the next plan, and the plan's
//! follow-up steps become that order's script.
//!
//! Defaults ([`Step::Auto`]): `create` waits for the payer (with a pay
//! action) on qr / jsapi / h5 / app and is paid at once otherwise; `query`
//! answers what the channel last said about the order (`NotFound` if it
//! never saw it); `close` / `reverse` succeed; `refund` succeeds;
//! `refund_query` answers the refund's last state (`NotFound` if none).
//!
//! Notifications are JSON `{"order_no","state":"paid"|"closed"|"failed",
//! "amount","trade_no"}` for payments, or a form
//! `refund_no=…&state=succeeded|failed|processing&amount=…[&refund_id=…][&order_no=…]`
//! for refunds, authenticated by an `x-test-signature` header: base64
//! HMAC-SHA256 of the body under the configuration's secret `notify_key`
//! (any live version of it, so key rotation can be tested).

use async_trait::async_trait;
use juhe_channel::{
    Capabilities, Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment,
    CreateRefund, InboundRequest, Notification, Operation, PayAction, PaymentRef, RefundRef, RefundReport, RefundState,
};
use juhe_domain::way::Way;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The header carrying a notification's signature.
pub const SIGNATURE_HEADER: &str = "x-test-signature";
/// The secret every configuration of a scripted channel must have.
pub const NOTIFY_KEY: &str = "notify_key";

/// One answer of the channel. Which steps make sense depends on the
/// operation; a step that is no answer to it is answered `Unknown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The operation's default (see the module documentation).
    Auto,
    /// create / query: waiting for the payer (create adds a pay action).
    Awaiting,
    /// create / query: the payer is confirming.
    Paying,
    /// create / query: paid, for the amount juhe asked.
    Paid,
    /// create / query: paid, but the channel reports this amount.
    PaidAmount(i64),
    /// create / query: failed at the channel with this code.
    Failed(&'static str),
    /// create / query: closed without money taken.
    Closed,
    /// close / reverse: done.
    Done,
    /// Any operation: refused with this code.
    Declined(&'static str),
    /// Any operation: the request never left.
    NotSent,
    /// Any operation: refused for coming too often, asking to wait this
    /// many milliseconds (or not saying).
    RateLimited(Option<i64>),
    /// Any operation: outcome unknown (a timeout after sending).
    Unknown,
    /// query / refund_query: the channel has no such order or refund.
    NotFound,
    /// refund / refund_query.
    RefundProcessing,
    RefundSucceeded,
    RefundFailed(&'static str),
}

/// What the channel will do with the next order juhe creates there.
#[derive(Debug, Clone)]
pub struct Plan {
    create: Step,
    then: Vec<(Operation, Step)>,
}

impl Plan {
    /// The create call answers `step`.
    pub fn create(step: Step) -> Plan {
        Plan {
            create: step,
            then: Vec::new(),
        }
    }

    /// Later calls of `op` for this order answer `steps`, in turn (then the default).
    pub fn then(mut self, op: Operation, steps: impl IntoIterator<Item = Step>) -> Plan {
        self.then.extend(steps.into_iter().map(|s| (op, s)));
        self
    }
}

/// One call juhe made, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub op: Operation,
    /// The order (`channel_order_no`) the call was about; for refunds, the
    /// refunded payment's order.
    pub order_no: String,
    /// `juhe_store::clock::now_ms()` when the call arrived.
    pub at_ms: i64,
    /// The step that answered it (defaults resolved; `Auto` only for an
    /// operation the channel does not support).
    pub answer: Step,
}

impl Call {
    /// Whether this answer told juhe the payer's money was taken.
    pub fn reported_money(&self) -> bool {
        matches!(self.op, Operation::Create | Operation::Query)
            && matches!(self.answer, Step::Paid | Step::PaidAmount(_))
    }
}

#[derive(Default)]
struct State {
    plans: VecDeque<Plan>,
    orders: HashMap<(String, Operation), VecDeque<Step>>,
    defaults: HashMap<Operation, Step>,
    delays: HashMap<Operation, Duration>,
    /// What the channel last said about each order / refund.
    last_payment: HashMap<String, Step>,
    last_refund: HashMap<String, Step>,
    calls: Vec<Call>,
}

pub struct ScriptedChannel {
    code: String,
    capabilities: Capabilities,
    state: Mutex<State>,
}

impl std::fmt::Debug for ScriptedChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedChannel")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

impl ScriptedChannel {
    /// A channel serving `ways` with every payment and refund operation.
    pub fn new(code: &str, ways: &[Way]) -> Arc<ScriptedChannel> {
        use Operation::*;
        ScriptedChannel::with_operations(
            code,
            ways,
            &[Create, Query, Close, Reverse, Refund, RefundQuery, Notification],
        )
    }

    /// A channel serving `ways` with only `operations` (the others answer `Unsupported`).
    pub fn with_operations(code: &str, ways: &[Way], operations: &[Operation]) -> Arc<ScriptedChannel> {
        Arc::new(ScriptedChannel {
            code: code.to_string(),
            capabilities: Capabilities {
                ways: ways.to_vec(),
                operations: operations.to_vec(),
                currencies: vec!["CNY"],
            },
            state: Mutex::new(State::default()),
        })
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        match self.state.lock() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Queues a plan for the next order created at this channel.
    pub fn plan(&self, plan: Plan) {
        self.with_state(|s| s.plans.push_back(plan));
    }

    /// Scripts the next answers to `op` for a known order.
    pub fn script(&self, order_no: &str, op: Operation, steps: impl IntoIterator<Item = Step>) {
        self.with_state(|s| s.orders.entry((order_no.to_string(), op)).or_default().extend(steps));
    }

    /// The answer to `op` when nothing is scripted.
    pub fn set_default(&self, op: Operation, step: Step) {
        self.with_state(|s| s.defaults.insert(op, step));
    }

    /// Every call of `op` waits this long before answering.
    pub fn delay(&self, op: Operation, by: Duration) {
        self.with_state(|s| s.delays.insert(op, by));
    }

    /// Drops plans not taken yet (calls and order scripts stay).
    pub fn clear_plans(&self) {
        self.with_state(|s| s.plans.clear());
    }

    /// Every call so far, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        self.with_state(|s| s.calls.clone())
    }

    /// The calls about one order, in arrival order.
    pub fn calls_of(&self, order_no: &str) -> Vec<Call> {
        self.with_state(|s| s.calls.iter().filter(|c| c.order_no == order_no).cloned().collect())
    }

    /// The operations called for one order, in order.
    pub fn ops_of(&self, order_no: &str) -> Vec<Operation> {
        self.calls_of(order_no).iter().map(|c| c.op).collect()
    }

    /// The orders at which the payer's money was taken, each once, in the
    /// order they were first charged. An order is one charge however many
    /// answers (the create, later queries) report it: the scripted channel
    /// takes money per order, as a real one does per order number.
    pub fn charged_orders(&self) -> Vec<String> {
        self.with_state(|s| {
            let mut charged: Vec<String> = Vec::new();
            for c in s.calls.iter().filter(|c| c.reported_money()) {
                if !charged.contains(&c.order_no) {
                    charged.push(c.order_no.clone());
                }
            }
            charged
        })
    }

    /// How many calls of `op` were made (for any order).
    pub fn count(&self, op: Operation) -> usize {
        self.with_state(|s| s.calls.iter().filter(|c| c.op == op).count())
    }

    /// The orders juhe created here, in order.
    pub fn created_orders(&self) -> Vec<String> {
        self.with_state(|s| {
            s.calls
                .iter()
                .filter(|c| c.op == Operation::Create)
                .map(|c| c.order_no.clone())
                .collect()
        })
    }

    /// Signs a notification body for a configuration whose `notify_key` is `key`.
    pub fn sign(key: &str, body: &[u8]) -> String {
        juhe_crypto::hmac_sha256_base64(key.as_bytes(), body)
    }

    /// A payment notification body.
    pub fn payment_notification(order_no: &str, state: &str, amount: i64, trade_no: &str) -> Vec<u8> {
        serde_json::json!({"order_no": order_no, "state": state, "amount": amount, "trade_no": trade_no})
            .to_string()
            .into_bytes()
    }

    /// A refund notification body (a form).
    pub fn refund_notification(refund_no: &str, state: &str, amount: i64) -> Vec<u8> {
        format!("refund_no={refund_no}&state={state}&amount={amount}&refund_id=R-{refund_no}").into_bytes()
    }

    /// Takes the answer for `op` on `order_no` (scripted, else the
    /// channel's default, else `auto`), records the call, waits the
    /// operation's delay. An unsupported operation answers `None` (recorded
    /// with the answer `Auto`, its scripts untouched).
    async fn answer(&self, op: Operation, order_no: &str, auto: impl FnOnce(&State) -> Step) -> Option<Step> {
        let supported = self.capabilities.supports(op);
        let (step, delay) = self.with_state(|s| {
            let step = if supported {
                let scripted = s
                    .orders
                    .get_mut(&(order_no.to_string(), op))
                    .and_then(VecDeque::pop_front);
                match scripted.or_else(|| s.defaults.get(&op).cloned()) {
                    Some(Step::Auto) | None => auto(s),
                    Some(step) => step,
                }
            } else {
                Step::Auto
            };
            s.calls.push(Call {
                op,
                order_no: order_no.to_string(),
                at_ms: juhe_store::clock::now_ms(),
                answer: step.clone(),
            });
            (step, s.delays.get(&op).copied())
        });
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        supported.then_some(step)
    }

    fn remember_payment(&self, order_no: &str, step: &Step) {
        let known = match step {
            Step::Awaiting | Step::Paying | Step::Paid | Step::PaidAmount(_) | Step::Failed(_) | Step::Closed => {
                step.clone()
            }
            Step::Done => Step::Closed,
            _ => return,
        };
        self.with_state(|s| s.last_payment.insert(order_no.to_string(), known));
    }

    fn remember_refund(&self, refund_no: &str, step: &Step) {
        if matches!(
            step,
            Step::RefundProcessing | Step::RefundSucceeded | Step::RefundFailed(_)
        ) {
            self.with_state(|s| s.last_refund.insert(refund_no.to_string(), step.clone()));
        }
    }
}

/// Errors every operation may answer.
fn error_of(step: &Step, op: Operation) -> ChannelError {
    match step {
        Step::Declined(code) => ChannelError::declined(*code, "declined by the scripted channel"),
        Step::NotSent => ChannelError::NotSent("scripted: not sent".into()),
        Step::RateLimited(after) => ChannelError::rate_limited("TOO_OFTEN", "scripted: rate limited", *after),
        Step::NotFound => ChannelError::NotFound,
        Step::Unknown => ChannelError::Unknown("scripted: timeout".into()),
        other => ChannelError::Unknown(format!("scripted: {other:?} is no answer to {}", op.as_str())),
    }
}

fn payment_state(step: &Step, amount: i64, order_no: &str) -> Option<ChannelPaymentState> {
    Some(match step {
        Step::Awaiting => ChannelPaymentState::AwaitingPayer,
        Step::Paying => ChannelPaymentState::Paying,
        Step::Paid | Step::PaidAmount(_) => ChannelPaymentState::Succeeded {
            channel_trade_no: format!("T-{order_no}"),
            paid_at_ms: juhe_store::clock::now_ms(),
            amount: if let Step::PaidAmount(a) = step { *a } else { amount },
        },
        Step::Failed(code) => ChannelPaymentState::Failed {
            code: code.to_string(),
            message: "failed at the scripted channel".into(),
        },
        Step::Closed => ChannelPaymentState::Closed,
        _ => return None,
    })
}

fn refund_state(step: &Step) -> Option<RefundState> {
    Some(match step {
        Step::RefundProcessing => RefundState::Processing,
        Step::RefundSucceeded => RefundState::Succeeded {
            paid_at_ms: juhe_store::clock::now_ms(),
        },
        Step::RefundFailed(code) => RefundState::Failed {
            code: code.to_string(),
            message: "refund failed at the scripted channel".into(),
        },
        _ => return None,
    })
}

fn pay_action(way: Way, code: &str, order_no: &str) -> Option<PayAction> {
    match way {
        Way::Qr => Some(PayAction::QrCode {
            code_url: format!("scripted://{code}/{order_no}"),
        }),
        Way::Jsapi | Way::App => {
            let mut params = serde_json::Map::new();
            params.insert("order_no".into(), order_no.into());
            Some(PayAction::Sdk { params })
        }
        Way::H5 => Some(PayAction::Redirect {
            url: format!("https://pay.example/{code}/{order_no}"),
        }),
        _ => None,
    }
}

/// A form body (`a=b&c=d`) with percent-decoding.
fn parse_form(body: &str) -> HashMap<String, String> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (bytes[i], hex) {
                (b'+', _) => out.push(b' '),
                (b'%', Some(b)) => {
                    out.push(b);
                    i += 2;
                }
                (b, _) => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

#[async_trait]
impl Channel for ScriptedChannel {
    fn code(&self) -> &str {
        &self.code
    }

    fn display_name(&self) -> &str {
        &self.code
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn validate_config(&self, cfg: &ChannelConfig) -> Result<(), ChannelError> {
        cfg.secret(NOTIFY_KEY).map(|_| ())
    }

    async fn create(&self, _cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
        let order_no = &req.channel_order_no;
        // Take the next plan: its create step answers, its follow-ups become the order's script.
        let planned = self.with_state(|s| s.plans.pop_front());
        if let Some(plan) = planned {
            self.script(order_no, Operation::Create, [plan.create]);
            for (op, step) in plan.then {
                self.script(order_no, op, [step]);
            }
        }
        let auto = if matches!(req.way, Way::Qr | Way::Jsapi | Way::H5 | Way::App) {
            Step::Awaiting
        } else {
            Step::Paid
        };
        let Some(step) = self.answer(Operation::Create, order_no, |_| auto).await else {
            return Err(ChannelError::Unsupported(Operation::Create));
        };
        self.remember_payment(order_no, &step);
        match payment_state(&step, req.money.amount, order_no) {
            Some(state) => Ok(CreateOutcome {
                action: matches!(state, ChannelPaymentState::AwaitingPayer)
                    .then(|| pay_action(req.way, &self.code, order_no))
                    .flatten(),
                channel_trade_no: Some(format!("T-{order_no}")),
                state,
            }),
            None => Err(error_of(&step, Operation::Create)),
        }
    }

    async fn query(&self, _cfg: &ChannelConfig, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        let order_no = &payment.channel_order_no;
        let step = self
            .answer(Operation::Query, order_no, |s| {
                s.last_payment.get(order_no.as_str()).cloned().unwrap_or(Step::NotFound)
            })
            .await
            .ok_or(ChannelError::Unsupported(Operation::Query))?;
        self.remember_payment(order_no, &step);
        payment_state(&step, payment.money.amount, order_no).ok_or_else(|| error_of(&step, Operation::Query))
    }

    async fn close(&self, _cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        self.end(Operation::Close, payment).await
    }

    async fn reverse(&self, _cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        self.end(Operation::Reverse, payment).await
    }

    async fn refund(&self, _cfg: &ChannelConfig, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
        self.refund_op(
            Operation::Refund,
            &req.payment.channel_order_no,
            &req.channel_refund_no,
            req.refund.amount,
        )
        .await
    }

    async fn query_refund(&self, _cfg: &ChannelConfig, refund: &RefundRef) -> Result<RefundReport, ChannelError> {
        self.refund_op(
            Operation::RefundQuery,
            &refund.payment.channel_order_no,
            &refund.channel_refund_no,
            refund.refund.amount,
        )
        .await
    }

    async fn parse_notification(
        &self,
        cfg: &ChannelConfig,
        req: &InboundRequest,
    ) -> Result<Notification, ChannelError> {
        // Any live version of the key verifies (a rotation in progress).
        let keys = cfg
            .secret_versions(NOTIFY_KEY)
            .map_err(|e| ChannelError::BadNotification(e.to_string()))?;
        let signature = req
            .header(SIGNATURE_HEADER)
            .ok_or_else(|| ChannelError::BadNotification("no signature".into()))?;
        if !keys
            .iter()
            .any(|key| juhe_crypto::verify_hmac_sha256_base64(key.as_bytes(), &req.body, signature))
        {
            return Err(ChannelError::BadNotification("bad signature".into()));
        }
        let text = std::str::from_utf8(&req.body).map_err(|_| ChannelError::BadNotification("not UTF-8".into()))?;
        let bad = |what: &str| ChannelError::BadNotification(format!("{what} missing or invalid"));
        if text.trim_start().starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(text).map_err(|_| bad("JSON"))?;
            let order_no = v["order_no"].as_str().ok_or_else(|| bad("order_no"))?.to_string();
            let state = match v["state"].as_str() {
                Some("paid") => ChannelPaymentState::Succeeded {
                    channel_trade_no: v["trade_no"].as_str().ok_or_else(|| bad("trade_no"))?.to_string(),
                    paid_at_ms: juhe_store::clock::now_ms(),
                    amount: v["amount"].as_i64().ok_or_else(|| bad("amount"))?,
                },
                Some("closed") => ChannelPaymentState::Closed,
                Some("failed") => ChannelPaymentState::Failed {
                    code: "failed".into(),
                    message: "failed (notified)".into(),
                },
                _ => return Err(bad("state")),
            };
            return Ok(Notification::Payment {
                channel_order_no: order_no,
                state,
            });
        }
        let form = parse_form(text);
        let field = |name: &str| form.get(name).cloned().ok_or_else(|| bad(name));
        let state = match field("state")?.as_str() {
            "succeeded" => RefundState::Succeeded {
                paid_at_ms: juhe_store::clock::now_ms(),
            },
            "processing" => RefundState::Processing,
            "failed" => RefundState::Failed {
                code: "failed".into(),
                message: "refund failed (notified)".into(),
            },
            _ => return Err(bad("state")),
        };
        let refund_no = field("refund_no")?;
        Ok(Notification::Refund {
            channel_order_no: form.get("order_no").cloned().unwrap_or_default(),
            report: RefundReport {
                channel_refund_id: form.get("refund_id").cloned(),
                amount: field("amount")?.parse().map_err(|_| bad("amount"))?,
                channel_refund_no: refund_no,
                state,
            },
        })
    }
}

impl ScriptedChannel {
    async fn end(&self, op: Operation, payment: &PaymentRef) -> Result<(), ChannelError> {
        let order_no = &payment.channel_order_no;
        let step = self
            .answer(op, order_no, |_| Step::Done)
            .await
            .ok_or(ChannelError::Unsupported(op))?;
        self.remember_payment(order_no, &step);
        match step {
            Step::Done => Ok(()),
            other => Err(error_of(&other, op)),
        }
    }

    async fn refund_op(
        &self,
        op: Operation,
        order_no: &str,
        refund_no: &str,
        amount: i64,
    ) -> Result<RefundReport, ChannelError> {
        // Scripts are keyed by the refunded order; the default refund query
        // answers the refund's last state.
        let auto = |s: &State| match op {
            Operation::RefundQuery => s.last_refund.get(refund_no).cloned().unwrap_or(Step::NotFound),
            _ => Step::RefundSucceeded,
        };
        let step = self
            .answer(op, order_no, auto)
            .await
            .ok_or(ChannelError::Unsupported(op))?;
        self.remember_refund(refund_no, &step);
        match refund_state(&step) {
            Some(state) => Ok(RefundReport {
                channel_refund_no: refund_no.to_string(),
                channel_refund_id: Some(format!("R-{refund_no}")),
                state,
                amount,
            }),
            None => Err(error_of(&step, op)),
        }
    }
}
