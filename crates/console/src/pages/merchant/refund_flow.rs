//! Refunding from the console, in two steps: the form (amount, reason),
//! then a confirmation page that says exactly what will happen; only the
//! confirmation creates the refund. The refund number is fixed when the
//! form is first shown, so a double click or a resubmitted page finds the
//! refund it already made instead of refunding twice.

use super::load;
use crate::auth::{Posted, Signed};
use crate::error::{ConsoleError, Result};
use crate::format;
use crate::forms::{amount, opt};
use crate::i18n::L;
use crate::layout::{Page, Section, csrf_field, facts, field, form_error};
use crate::notices;
use crate::state::ConsoleState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use juhe_domain::Currency;
use juhe_domain::access::Permission;
use juhe_service::ServiceError;
use juhe_service::refunds::NewRefund;
use juhe_store::payments::PaymentRow;
use maud::html;
use serde::Deserialize;
use std::sync::Arc;

async fn refundable_payment(
    state: &ConsoleState,
    signed: &Signed,
    mid: &str,
    id: &str,
) -> Result<(juhe_store::merchants::MerchantRow, PaymentRow)> {
    let m = load(state, signed, mid, Permission::PaymentsView).await?;
    let p = juhe_store::payments::get(state.db.reader(), &m.id, id)
        .await?
        .ok_or(ConsoleError::NotFound)?;
    signed
        .actor()
        .require_on(Permission::RefundsCreate, "payment", &m.id, p.site_id.as_deref())?;
    Ok((m, p))
}

fn remaining(p: &PaymentRow) -> i64 {
    p.amount - p.refunded_amount - p.refund_reserved
}

#[derive(Debug, Default, Deserialize)]
pub struct RefundForm {
    amount: Option<String>,
    reason: Option<String>,
    refund_no: Option<String>,
    step: Option<String>,
}

fn render_form(
    signed: &Signed,
    m: &juhe_store::merchants::MerchantRow,
    p: &PaymentRow,
    f: &RefundForm,
    error: Option<String>,
) -> Response {
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let currency = Currency::parse(&p.currency).unwrap_or(Currency::CNY);
    let default_amount = juhe_domain::Money::new(remaining(p), currency).to_decimal_string();
    let refund_no = opt(&f.refund_no).unwrap_or_else(|| juhe_store::ids::new_id("console").replace('_', "-"));
    let body = html! {
        (form_error(error.as_deref()))
        section.card.narrow {
            (facts(&[
                (t(L::OrderNo).into(), html! { code { (p.merchant_order_no) } }),
                (t(L::Amount).into(), html! { (format::money_str(p.amount, &p.currency)) }),
                (t(L::Refundable).into(), html! { strong { (format::money_str(remaining(p), &p.currency)) } }),
            ]))
            form method="post" action={"/console/m/" (m.id) "/payments/" (p.id) "/refund"} {
                (csrf_field(signed))
                input type="hidden" name="refund_no" value=(refund_no);
                input type="hidden" name="step" value="review";
                (field(t(L::RefundAmountYuan), html! { input type="text" inputmode="decimal" name="amount" required value=(f.amount.clone().unwrap_or(default_amount)); }))
                (field(t(L::Reason), html! { input type="text" name="reason" maxlength="128" value=(f.reason.clone().unwrap_or_default()); }))
                div.actions {
                    button.primary type="submit" { (t(L::Continue)) }
                    a.button.secondary href={"/console/m/" (m.id) "/payments/" (p.id)} { (t(L::Cancel)) }
                }
            }
        }
    };
    let mut r = Page::new(
        signed,
        format!("{} · {}", t(L::Refund), p.merchant_order_no),
        Section::Payments,
    )
    .merchant(&m.id, &m.name)
    .render(body);
    if error.is_some() {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    r
}

pub async fn form(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path((mid, id)): Path<(String, String)>,
) -> Result<Response> {
    let (m, p) = refundable_payment(&state, &signed, &mid, &id).await?;
    Ok(render_form(&signed, &m, &p, &RefundForm::default(), None))
}

pub async fn submit(
    State(state): State<ConsoleState>,
    Path((mid, id)): Path<(String, String)>,
    posted: Posted<RefundForm>,
) -> Result<Response> {
    let Posted { signed, form } = posted;
    let (m, p) = refundable_payment(&state, &signed, &mid, &id).await?;
    let lang = signed.lang;
    let t = |l| lang.t(l);
    let currency = Currency::parse(&p.currency).unwrap_or(Currency::CNY);
    let minor = match amount(form.amount.as_deref().unwrap_or(""), currency) {
        Ok(a) => a,
        Err(_) => return Ok(render_form(&signed, &m, &p, &form, Some(t(L::ErrAmount).into()))),
    };
    let refund_no = opt(&form.refund_no)
        .filter(|n| n.len() <= 64 && n.starts_with("console-"))
        .ok_or_else(|| ConsoleError::BadForm("the refund number is missing".into()))?;
    let reason = opt(&form.reason);
    if reason.as_ref().is_some_and(|r| r.chars().count() > 128) {
        return Ok(render_form(&signed, &m, &p, &form, Some(t(L::ErrReasonTooLong).into())));
    }
    if form.step.as_deref() != Some("confirm") {
        if minor > remaining(&p) {
            return Ok(render_form(&signed, &m, &p, &form, Some(t(L::ErrRefundExceeds).into())));
        }
        // Step two: say exactly what will happen, and ask.
        let body = html! {
            section.card.narrow.confirm {
                p.warning { (t(L::ConfirmRefundText)) }
                (facts(&[
                    (t(L::OrderNo).into(), html! { code { (p.merchant_order_no) } }),
                    (t(L::Channel).into(), html! { (format::channel(lang, &p.channel)) }),
                    (t(L::RefundAmount).into(), html! { strong data-testid="confirm-amount" { (format::money(minor, currency)) } }),
                    (t(L::Reason).into(), html! { (reason.as_deref().unwrap_or("—")) }),
                    (t(L::RefundNo).into(), html! { code { (refund_no) } }),
                ]))
                form method="post" action={"/console/m/" (m.id) "/payments/" (p.id) "/refund"} {
                    (csrf_field(&signed))
                    input type="hidden" name="refund_no" value=(refund_no);
                    input type="hidden" name="amount" value=(form.amount.as_deref().unwrap_or(""));
                    input type="hidden" name="reason" value=(reason.as_deref().unwrap_or(""));
                    input type="hidden" name="step" value="confirm";
                    div.actions {
                        button.danger type="submit" data-testid="confirm-refund" { (t(L::ConfirmRefund)) }
                        a.button.secondary href={"/console/m/" (m.id) "/payments/" (p.id)} { (t(L::Cancel)) }
                    }
                }
            }
        };
        return Ok(Page::new(&signed, t(L::ConfirmRefund), Section::Payments)
            .merchant(&m.id, &m.name)
            .render(body));
    }
    let input = Arc::new(NewRefund {
        merchant_refund_no: refund_no,
        amount: minor,
        reason,
    });
    let (actor, m2, p2) = (signed.actor().clone(), m.id.clone(), p.id.clone());
    let created = state
        .db
        .write(move |tx| {
            let (actor, mid, pid, input) = (actor.clone(), m2.clone(), p2.clone(), input.clone());
            Box::pin(async move { juhe_service::staff_refunds::create(tx, &actor, &mid, &pid, &input).await })
        })
        .await;
    let (refund, fresh) = match created {
        Ok(r) => r,
        Err(e @ (ServiceError::Domain(_) | ServiceError::NumberConflict { .. } | ServiceError::InvalidRequest(_))) => {
            return Ok(render_form(
                &signed,
                &m,
                &p,
                &form,
                Some(format!("{} {e}", t(L::ErrRefundRefused))),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    // A channel refund goes to the channel now; its task finishes it if this fails.
    if fresh
        && refund.status == "processing"
        && let Err(e) = juhe_service::channels::refunds::drive(&state.db, &state.hub, &refund.id).await
    {
        tracing::warn!(refund = %refund.id, error = %e, "console refund not sent yet; its task will send it");
    }
    Ok(Redirect::to(&notices::with(
        &format!("/console/m/{}/refunds/{}", m.id, refund.id),
        "refunded",
    ))
    .into_response())
}
