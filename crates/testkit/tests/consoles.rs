//! The consoles through HTTP on both engines: signing in and locking out,
//! CSRF, who may see and do what (scopes, roles, single permissions, no
//! escalation), two-step refunds that happen once, the audit log,
//! password changes and sessions, app secret rotation, exports and the
//! dashboard's figures, resending webhooks.

use juhe_domain::access::BuiltinRole;
use juhe_testkit::{Browser, ConsoleRole, TestServer, engines};
use serde_json::json;

const PW: &str = "correct horse 9";

async fn audit_actions(server: &TestServer, object_id: &str) -> Vec<String> {
    juhe_store::audit::list(
        server.db.reader(),
        &juhe_store::audit::AuditFilter {
            object_id: Some(object_id.into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .expect("audit")
    .into_iter()
    .map(|a| a.action)
    .collect()
}

async fn signed_in(server: &TestServer, username: &str) -> Browser {
    let b = server.browser();
    let page = b.sign_in(username, PW).await;
    assert_eq!(page.status, 303, "{username} signs in: {}", page.body);
    b
}

/// A wallet payment of `amount` at `site` (if any); its id.
async fn wallet_payment(
    server: &TestServer,
    app: &juhe_testkit::TestApp,
    customer: &str,
    order: &str,
    amount: i64,
    site: Option<&str>,
) -> String {
    let mut body = json!({"merchant_order_no": order, "amount": amount, "subject": "92# fuel", "way": "wallet",
                          "payer": {"customer_id": customer}});
    if let Some(s) = site {
        body["site_id"] = json!(s);
    }
    let r = server.client(app).post("/v1/payments", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().expect("id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_an_account_until_an_administrator_unlocks_it() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        server
            .console_user("root", PW, ConsoleRole::Platform(BuiltinRole::PlatformAdmin))
            .await;
        let ann = server
            .console_user(
                "ann",
                PW,
                ConsoleRole::Merchant(&app.merchant_id, BuiltinRole::MerchantFinance),
            )
            .await;

        let b = server.browser();
        b.set_cookie("juhe_lang", "en");
        let unknown = b.sign_in("nobody", PW).await;
        assert_eq!(unknown.status, 401);
        assert!(unknown.has("Wrong user name or password"), "{}", unknown.body);
        for _ in 0..4 {
            let p = b.sign_in("ann", "wrong password 1").await;
            assert_eq!(p.status, 401);
            assert!(p.has("Wrong user name or password"));
        }
        let fifth = b.sign_in("ann", "wrong password 1").await;
        assert_eq!(fifth.status, 401);
        assert!(fifth.has("locked until"), "{}", fifth.body);
        // Locked: even the right password is refused, and no session exists.
        let right = b.sign_in("ann", PW).await;
        assert_eq!(right.status, 401);
        assert!(b.cookie("juhe_session").is_none());
        assert!(audit_actions(&server, &ann).await.contains(&"user.locked".to_string()));

        let admin = signed_in(&server, "root").await;
        let unlocked = admin
            .post(&format!("/console/m/{}/users/{ann}/unlock", app.merchant_id), &[])
            .await;
        assert_eq!(unlocked.status, 303, "{}", unlocked.body);
        assert_eq!(b.sign_in("ann", PW).await.status, 303);
        let actions = audit_actions(&server, &ann).await;
        assert!(actions.contains(&"user.unlock".to_string()) && actions.contains(&"session.sign_in".to_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_their_token_or_from_another_site_are_refused_and_change_nothing() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        server
            .console_user("root", PW, ConsoleRole::Platform(BuiltinRole::PlatformAdmin))
            .await;
        let count = || async {
            juhe_store::merchants::list_merchants(server.db.reader(), None)
                .await
                .expect("list")
                .len()
        };

        // The sign-in form's own token is checked too.
        let stranger = server.browser();
        let p = stranger
            .post_raw(
                "/console/login",
                &[("csrf", "guess"), ("username", "root"), ("password", PW)],
                None,
            )
            .await;
        assert_eq!(p.status, 403);
        assert!(stranger.cookie("juhe_session").is_none());

        let b = signed_in(&server, "root").await;
        let before = count().await;
        let form = [("name", "Evil Corp")];
        let without = b
            .post_raw("/console/platform/merchants/new", &form, Some(&server.base_url))
            .await;
        assert_eq!(without.status, 403);
        assert!(without.has("did not come from this site"), "{}", without.body);
        let wrong = b
            .post_raw(
                "/console/platform/merchants/new",
                &[("csrf", "0123"), ("name", "Evil Corp")],
                Some(&server.base_url),
            )
            .await;
        assert_eq!(wrong.status, 403);
        let token = juhe_testkit::console_client::csrf_of(&b.get("/console/account").await.body).expect("token");
        let cross_site = b
            .post_raw(
                "/console/platform/merchants/new",
                &[("csrf", &token), ("name", "Evil Corp")],
                Some("http://evil.example"),
            )
            .await;
        assert_eq!(cross_site.status, 403);
        assert_eq!(count().await, before, "a refused form changed nothing");

        let ok = b
            .post(
                "/console/platform/merchants/new",
                &[
                    ("name", "Good Corp"),
                    ("contact_name", "Li Lei"),
                    ("wallet_fee_bps", "30"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(count().await, before + 1);
        let id = ok
            .location
            .as_deref()
            .and_then(|l| l.split('/').nth(4))
            .and_then(|s| s.split('?').next())
            .expect("merchant id")
            .to_string();
        let rows = juhe_store::audit::list(
            server.db.reader(),
            &juhe_store::audit::AuditFilter {
                object_id: Some(id.clone()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].action.as_str(), rows[0].actor_name.as_str()),
            ("merchant.create", "root")
        );
        let after: serde_json::Value =
            serde_json::from_str(rows[0].after_json.as_deref().expect("after")).expect("json");
        assert_eq!(
            (after["name"].as_str(), after["wallet_fee_bps"].as_i64()),
            (Some("Good Corp"), Some(30))
        );

        // Edits record before and after.
        let edit = b
            .post(
                &format!("/console/platform/merchants/{id}/edit"),
                &[("name", "Good Corp Ltd"), ("wallet_fee_bps", "45")],
            )
            .await;
        assert_eq!(edit.status, 303, "{}", edit.body);
        let rows = juhe_store::audit::of_object(server.db.reader(), "merchant", &id)
            .await
            .expect("audit");
        let update = rows.iter().find(|r| r.action == "merchant.update").expect("update row");
        assert!(
            update
                .before_json
                .as_deref()
                .unwrap_or("")
                .contains("\"wallet_fee_bps\":30")
        );
        assert!(
            update
                .after_json
                .as_deref()
                .unwrap_or("")
                .contains("\"wallet_fee_bps\":45")
        );
        // A bad value is shown on the form and changes nothing.
        let bad = b
            .post(
                &format!("/console/platform/merchants/{id}/edit"),
                &[("name", ""), ("wallet_fee_bps", "99999")],
            )
            .await;
        assert_eq!(bad.status, 400);
        assert!(bad.has("form-error"));
        let m = juhe_store::merchants::get_merchant(server.db.reader(), &id)
            .await
            .expect("read")
            .expect("merchant");
        assert_eq!((m.name.as_str(), m.wallet_fee_bps), ("Good Corp Ltd", 45));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_sees_only_their_site_and_is_denied_finance_pages() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let m = app.merchant_id.clone();
        let (s1, s2) = (server.site(&m, "Plaza 1").await, server.site(&m, "Plaza 2").await);
        server
            .console_user("cashier", PW, ConsoleRole::Site(&m, &s1, BuiltinRole::Cashier))
            .await;
        let customer = server.funded_customer(&server.client(&app), 100_000).await;
        let here = wallet_payment(&server, &app, &customer, "at-s1", 1_000, Some(&s1)).await;
        let there = wallet_payment(&server, &app, &customer, "at-s2", 2_000, Some(&s2)).await;
        let api = wallet_payment(&server, &app, &customer, "api", 3_000, None).await;

        let b = signed_in(&server, "cashier").await;
        let list = b.get(&format!("/console/m/{m}/payments")).await;
        assert_eq!(list.status, 200);
        assert!(
            list.has("at-s1") && !list.has("at-s2") && !list.has(">api<"),
            "{}",
            list.body
        );
        assert_eq!(b.get(&format!("/console/m/{m}/payments/{here}")).await.status, 200);
        for id in [&there, &api] {
            assert_eq!(b.get(&format!("/console/m/{m}/payments/{id}")).await.status, 404);
        }
        // Finance pages: refunds, exports, the dashboard, customers.
        for path in [
            format!("/console/m/{m}/payments/{here}/refund"),
            format!("/console/m/{m}/payments/export?format=csv"),
            format!("/console/m/{m}"),
            format!("/console/m/{m}/customers"),
        ] {
            let p = b.get(&path).await;
            assert_eq!(p.status, 403, "{path}: {}", p.status);
            assert!(p.has("You do not have permission"), "{path}");
        }
        let post = b
            .post(
                &format!("/console/m/{m}/payments/{here}/refund"),
                &[("amount", "1.00"), ("refund_no", "console-x"), ("step", "confirm")],
            )
            .await;
        assert_eq!(post.status, 403);
        assert!(
            juhe_store::refunds::list_for_payment(server.db.reader(), &here)
                .await
                .expect("refunds")
                .is_empty()
        );
        // The platform console does not exist for merchant staff; home goes to payments.
        assert_eq!(b.get("/console/platform").await.status, 404);
        assert_eq!(
            b.get("/console").await.location.as_deref(),
            Some(format!("/console/m/{m}/payments").as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_merchants_data_is_not_found() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let a = server.merchant(0, None).await;
        let other = server.merchant(0, None).await;
        server
            .console_user(
                "a-admin",
                PW,
                ConsoleRole::Merchant(&a.merchant_id, BuiltinRole::MerchantAdmin),
            )
            .await;
        let customer = server.funded_customer(&server.client(&other), 10_000).await;
        let theirs = wallet_payment(&server, &other, &customer, "theirs", 500, None).await;

        let b = signed_in(&server, "a-admin").await;
        let o = &other.merchant_id;
        for path in [
            format!("/console/m/{o}"),
            format!("/console/m/{o}/payments"),
            format!("/console/m/{o}/payments/{theirs}"),
            format!("/console/m/{}/payments/{theirs}", a.merchant_id),
            format!("/console/m/{o}/customers/{customer}"),
            format!("/console/m/{o}/users"),
            format!("/console/m/{o}/audit"),
        ] {
            assert_eq!(b.get(&path).await.status, 404, "{path}");
        }
        let p = b
            .post(
                &format!("/console/m/{o}/payments/{theirs}/refund"),
                &[("amount", "1.00"), ("refund_no", "console-y"), ("step", "confirm")],
            )
            .await;
        assert_eq!(p.status, 404);
        assert!(
            juhe_store::refunds::list_for_payment(server.db.reader(), &theirs)
                .await
                .expect("refunds")
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_from_the_console_is_confirmed_first_and_happens_once() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, Some("http://127.0.0.1:9/unreachable")).await;
        let m = app.merchant_id.clone();
        server
            .console_user("fin", PW, ConsoleRole::Merchant(&m, BuiltinRole::MerchantFinance))
            .await;
        let customer = server.funded_customer(&server.client(&app), 100_000).await;
        let pay = wallet_payment(&server, &app, &customer, "order-1", 10_000, None).await;

        let b = signed_in(&server, "fin").await;
        let form = b.get(&format!("/console/m/{m}/payments/{pay}/refund")).await;
        assert_eq!(form.status, 200);
        assert!(form.has("¥100.00"), "the refundable amount is offered");
        let refund_no = form
            .body
            .split("name=\"refund_no\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("refund number")
            .to_string();

        // Too much, and not an amount: the form again, nothing created.
        for (amount, status) in [("100.01", 400), ("12.345", 400), ("-1", 400), ("abc", 400)] {
            let p = b
                .post(
                    &format!("/console/m/{m}/payments/{pay}/refund"),
                    &[("amount", amount), ("refund_no", &refund_no), ("step", "review")],
                )
                .await;
            assert_eq!(p.status, status, "{amount}");
        }
        // Review: a confirmation page, still nothing created.
        let review = b
            .post(
                &format!("/console/m/{m}/payments/{pay}/refund"),
                &[
                    ("amount", "30.00"),
                    ("reason", "short fill"),
                    ("refund_no", &refund_no),
                    ("step", "review"),
                ],
            )
            .await;
        assert_eq!(review.status, 200);
        assert!(review.has("data-testid=\"confirm-amount\">¥30.00"), "{}", review.body);
        assert!(
            juhe_store::refunds::list_for_payment(server.db.reader(), &pay)
                .await
                .expect("refunds")
                .is_empty()
        );

        let confirm = [
            ("amount", "30.00"),
            ("reason", "short fill"),
            ("refund_no", refund_no.as_str()),
            ("step", "confirm"),
        ];
        let first = b.post(&format!("/console/m/{m}/payments/{pay}/refund"), &confirm).await;
        assert_eq!(first.status, 303, "{}", first.body);
        // The same confirmation again (a double click, a reload) refunds nothing more.
        let again = b.post(&format!("/console/m/{m}/payments/{pay}/refund"), &confirm).await;
        assert_eq!(again.status, 303);
        assert_eq!(first.location, again.location);
        let refunds = juhe_store::refunds::list_for_payment(server.db.reader(), &pay)
            .await
            .expect("refunds");
        assert_eq!(refunds.len(), 1);
        assert_eq!((refunds[0].amount, refunds[0].status.as_str()), (3_000, "succeeded"));
        let page = b.get(first.location.as_deref().expect("refund page")).await;
        assert!(page.has("data-testid=\"refund-amount\">¥30.00"));
        assert_eq!(audit_actions(&server, &refunds[0].id).await, vec!["refund.create"]);
        // The merchant hears of it like any refund.
        let events = juhe_store::events::events_of_object(server.db.reader(), &refunds[0].id)
            .await
            .expect("events");
        assert_eq!(
            events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(),
            vec!["refund.succeeded"]
        );
        // What is left can be refunded, not more.
        let rest = b
            .post(
                &format!("/console/m/{m}/payments/{pay}/refund"),
                &[("amount", "70.01"), ("refund_no", "console-other"), ("step", "review")],
            )
            .await;
        assert_eq!(rest.status, 400);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_hands_out_more_than_they_hold() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let m = app.merchant_id.clone();
        let site = server.site(&m, "Plaza").await;
        server
            .console_user("boss", PW, ConsoleRole::Merchant(&m, BuiltinRole::MerchantAdmin))
            .await;
        server
            .console_user("fin", PW, ConsoleRole::Merchant(&m, BuiltinRole::MerchantFinance))
            .await;
        let boss = signed_in(&server, "boss").await;
        let users_before = juhe_store::users::list(server.db.reader(), Some(&m))
            .await
            .expect("users")
            .len();

        // A platform permission, or a platform role, for a merchant user: refused.
        let new_user = |extra: Vec<(&'static str, &'static str)>| {
            let mut f = vec![
                ("username", "newbie"),
                ("display_name", "New Bie"),
                ("locale", "en"),
                ("scope", "merchant"),
                ("password", "a good pass 42"),
            ];
            f.extend(extra);
            f
        };
        let p = boss
            .post(
                &format!("/console/m/{m}/users/new"),
                &new_user(vec![("grant", "platform.merchants.manage")]),
            )
            .await;
        assert_eq!(p.status, 400, "{}", p.body);
        assert!(p.has("platform users only"), "{}", p.body);
        let p = boss
            .post(
                &format!("/console/m/{m}/users/new"),
                &new_user(vec![("roles", "role_platform_admin")]),
            )
            .await;
        assert_eq!(p.status, 400);
        assert_eq!(
            juhe_store::users::list(server.db.reader(), Some(&m))
                .await
                .expect("users")
                .len(),
            users_before
        );

        // A custom role of what the admin holds, given to a site user.
        let role = boss
            .post(
                &format!("/console/m/{m}/users/roles/new"),
                &[
                    ("name", "Lane supervisor"),
                    ("permissions", "payments.view"),
                    ("permissions", "refunds.create"),
                ],
            )
            .await;
        assert_eq!(role.status, 303, "{}", role.body);
        let role_id = juhe_store::roles::visible_to(server.db.reader(), &m)
            .await
            .expect("roles")
            .into_iter()
            .find(|r| r.name == "Lane supervisor")
            .expect("role")
            .id;
        let p = boss
            .post(
                &format!("/console/m/{m}/users/new"),
                &[
                    ("username", "sup"),
                    ("display_name", "Sup"),
                    ("locale", "zh-CN"),
                    ("scope", "site"),
                    ("site_id", &site),
                    ("password", PW),
                    ("roles", &role_id),
                    ("deny", "refunds.create"),
                ],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let sup = signed_in(&server, "sup").await;
        let refund_form = sup.get(&format!("/console/m/{m}/payments/x/refund")).await;
        assert_eq!(refund_form.status, 404, "an unknown payment");
        // The denial wins over the role: the account page lists what they hold.
        let account = sup.get("/console/account").await;
        assert!(
            account.has("payments.view") && !account.has("refunds.create"),
            "{}",
            account.body
        );

        // Finance cannot manage users at all.
        let fin = signed_in(&server, "fin").await;
        assert_eq!(fin.get(&format!("/console/m/{m}/users")).await.status, 403);
        let p = fin
            .post(
                &format!("/console/m/{m}/users/roles/new"),
                &[("name", "x"), ("permissions", "payments.view")],
            )
            .await;
        assert_eq!(p.status, 403);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_other_sessions_and_sign_out_everywhere_ends_all() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        server
            .console_user(
                "ann",
                PW,
                ConsoleRole::Merchant(&app.merchant_id, BuiltinRole::MerchantAdmin),
            )
            .await;
        let (a, b) = (signed_in(&server, "ann").await, signed_in(&server, "ann").await);

        let mismatch = a
            .post(
                "/console/account/password",
                &[("current", PW), ("new", "another pass 7"), ("repeat", "another pass 8")],
            )
            .await;
        assert_eq!(mismatch.status, 400);
        let wrong = a
            .post(
                "/console/account/password",
                &[
                    ("current", "nope nope 1"),
                    ("new", "another pass 7"),
                    ("repeat", "another pass 7"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 400);
        let weak = a
            .post(
                "/console/account/password",
                &[("current", PW), ("new", "short"), ("repeat", "short")],
            )
            .await;
        assert_eq!(weak.status, 400);
        assert_eq!(b.get("/console/account").await.status, 200, "nothing changed yet");

        let ok = a
            .post(
                "/console/account/password",
                &[("current", PW), ("new", "another pass 7"), ("repeat", "another pass 7")],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(a.get("/console/account").await.status, 200, "this session stays");
        let gone = b.get("/console/account").await;
        assert_eq!(gone.status, 303);
        assert!(gone.location.as_deref().unwrap_or("").starts_with("/console/login"));
        assert_eq!(server.browser().sign_in("ann", PW).await.status, 401);
        let c = server.browser();
        assert_eq!(c.sign_in("ann", "another pass 7").await.status, 303);

        let out = a.post("/console/account/logout-everywhere", &[]).await;
        assert_eq!(out.status, 303);
        assert_eq!(a.get("/console/account").await.status, 303);
        assert_eq!(c.get("/console/account").await.status, 303);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_end_and_a_stolen_session_table_signs_nobody_in() {
    for engine in engines() {
        let mut config = juhe_testkit::server::console_config();
        config.sign_in.session.idle_ms = 1_500;
        config.sign_in.session.touch_every_ms = 0;
        let server = TestServer::start_with_console(engine, config).await;
        let app = server.merchant(0, None).await;
        server
            .console_user(
                "ann",
                PW,
                ConsoleRole::Merchant(&app.merchant_id, BuiltinRole::MerchantAdmin),
            )
            .await;
        let b = signed_in(&server, "ann").await;
        // What the database keeps is not the cookie.
        let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM console_sessions")
            .fetch_all(server.db.reader())
            .await
            .expect("ids");
        let cookie = b.cookie("juhe_session").expect("cookie");
        assert!(ids.iter().all(|(id,)| *id != cookie));
        let thief = server.browser();
        thief.set_cookie("juhe_session", &ids[0].0);
        assert_eq!(thief.get("/console/account").await.status, 303);

        assert_eq!(b.get("/console/account").await.status, 200);
        tokio::time::sleep(std::time::Duration::from_millis(1_700)).await;
        assert_eq!(b.get("/console/account").await.status, 303, "idle too long");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_app_secret_keeps_working_for_its_grace_period_only() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        server
            .console_user("root", PW, ConsoleRole::Platform(BuiltinRole::PlatformAdmin))
            .await;
        let b = signed_in(&server, "root").await;
        let page = b
            .post(
                &format!(
                    "/console/platform/merchants/{}/apps/{}/rotate",
                    app.merchant_id, app.app_id
                ),
                &[],
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let new_secret = page
            .body
            .split("data-testid=\"app_secret\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .expect("the new secret is shown once")
            .to_string();
        assert_ne!(new_secret, app.app_secret);
        assert!(!new_secret.is_empty());
        // Nowhere else: the merchant's page does not show it.
        let detail = b.get(&format!("/console/platform/merchants/{}", app.merchant_id)).await;
        assert!(!detail.has(&new_secret) && !detail.has(&app.app_secret));

        let old = server.client(&app);
        let mut renewed = server.client(&app);
        renewed.app_secret = new_secret;
        // A signature that fails against the cached secret is checked again
        // against the database (at most once a second per app): the new
        // secret works without waiting for the cache to expire.
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        assert_eq!(renewed.get("/v1/channels").await.status, 200);
        assert_eq!(
            old.get("/v1/channels").await.status,
            200,
            "the old secret still works during the grace period"
        );
        let past = juhe_store::clock::now_ms() - 1;
        let id = app.app_id.clone();
        server
            .db
            .write(move |tx| {
                let id = id.clone();
                Box::pin(async move {
                    juhe_store::sql::query("UPDATE apps SET previous_secret_until = $1 WHERE id = $2")
                        .bind(past)
                        .bind(id)
                        .execute(tx)
                        .await
                })
            })
            .await
            .expect("expire grace");
        let restarted = server.restart(juhe_testkit::ChannelSetup::default()).await;
        let old = restarted.client(&app);
        let r = old.get("/v1/channels").await;
        assert_eq!((r.status, r.code()), (401, "bad_signature"));
        let mut renewed = restarted.client(&app);
        renewed.app_secret = page_secret(&page.body);
        assert_eq!(renewed.get("/v1/channels").await.status, 200);
        assert!(
            audit_actions(&restarted, &app.app_id)
                .await
                .contains(&"app.rotate_secret".to_string())
        );
    }
}

fn page_secret(body: &str) -> String {
    body.split("data-testid=\"app_secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_and_the_dashboard_add_up_to_the_payments() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let m = app.merchant_id.clone();
        server
            .console_user("fin", PW, ConsoleRole::Merchant(&m, BuiltinRole::MerchantFinance))
            .await;
        let customer = server.funded_customer(&server.client(&app), 1_000_000).await;
        let amounts = [1_999, 25_000, 1, 123_456];
        for (i, a) in amounts.iter().enumerate() {
            wallet_payment(&server, &app, &customer, &format!("exp-{i}"), *a, None).await;
        }
        let b = signed_in(&server, "fin").await;
        let csv = b
            .get(&format!("/console/m/{m}/payments/export?format=csv&status=succeeded"))
            .await;
        assert_eq!(csv.status, 200);
        assert!(csv.content_type.starts_with("text/csv"));
        assert_eq!(&csv.bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(csv.bytes[3..].to_vec()).expect("utf-8");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        let col = header
            .iter()
            .position(|h| *h == "amount_minor")
            .expect("amount_minor column");
        let yuan = col - 1;
        let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
        assert_eq!(rows.len(), amounts.len());
        let total: i64 = rows.iter().map(|r| r[col].parse::<i64>().expect("integer")).sum();
        assert_eq!(total, amounts.iter().sum::<i64>());
        assert!(rows.iter().any(|r| r[yuan] == "1234.56" && r[col] == "123456"));
        // Filters apply to exports: one order.
        let one = b
            .get(&format!("/console/m/{m}/payments/export?format=csv&number=exp-1"))
            .await;
        assert_eq!(String::from_utf8_lossy(&one.bytes).lines().count(), 2);
        let xlsx = b.get(&format!("/console/m/{m}/payments/export?format=xlsx")).await;
        assert_eq!(xlsx.status, 200);
        assert_eq!(&xlsx.bytes[..2], b"PK");
        assert_eq!(
            b.get(&format!("/console/m/{m}/payments/export?format=pdf"))
                .await
                .status,
            400
        );

        let dash = b.get(&format!("/console/m/{m}")).await;
        assert_eq!(dash.status, 200);
        assert!(dash.has("data-testid=\"today-count\">4<"), "{}", dash.body);
        assert!(dash.has("data-testid=\"today-amount\">¥1,504.56<"));
        assert!(dash.has("data-testid=\"status-count-succeeded\">4<"));
        assert!(dash.has("<svg"), "the week is drawn");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_webhook_is_sent_again_on_request() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, Some("http://127.0.0.1:9/hook")).await;
        let m = app.merchant_id.clone();
        server
            .console_user("ops", PW, ConsoleRole::Platform(BuiltinRole::PlatformOperations))
            .await;
        server
            .console_user("fin", PW, ConsoleRole::Merchant(&m, BuiltinRole::MerchantFinance))
            .await;
        let customer = server.funded_customer(&server.client(&app), 10_000).await;
        let pay = wallet_payment(&server, &app, &customer, "hook-1", 100, None).await;
        let delivery = juhe_store::events::deliveries_of_object(server.db.reader(), &pay)
            .await
            .expect("deliveries")[0]
            .id
            .clone();
        let d = delivery.clone();
        server
            .db
            .write(move |tx| {
                let d = d.clone();
                Box::pin(async move {
                    juhe_store::sql::query("UPDATE deliveries SET status = 'exhausted', attempts = 15 WHERE id = $1")
                        .bind(d)
                        .execute(tx)
                        .await
                })
            })
            .await
            .expect("exhaust");

        let fin = signed_in(&server, "fin").await;
        assert_eq!(
            fin.post(&format!("/console/m/{m}/deliveries/{delivery}/resend"), &[])
                .await
                .status,
            403
        );
        let ops = signed_in(&server, "ops").await;
        let list = ops.get("/console/platform/webhooks").await;
        assert!(list.has(&delivery), "failing deliveries are listed");
        let r = ops
            .post(&format!("/console/platform/webhooks/{delivery}/resend"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let d = juhe_store::events::get_delivery(server.db.reader(), &delivery)
            .await
            .expect("read")
            .expect("delivery");
        assert_eq!(d.status, "pending");
        // A pending one is in the worker's hands: not resent.
        let again = ops
            .post(&format!("/console/platform/webhooks/{delivery}/resend"), &[])
            .await;
        assert_eq!(again.status, 400);
        assert_eq!(audit_actions(&server, &delivery).await, vec!["delivery.resend"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_reads_the_console_in_their_language() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let m = app.merchant_id.clone();
        server
            .console_user("ann", PW, ConsoleRole::Merchant(&m, BuiltinRole::MerchantAdmin))
            .await;
        let b = signed_in(&server, "ann").await;
        let en = b.get(&format!("/console/m/{m}/payments")).await;
        assert!(en.has("<html lang=\"en\">") && en.has(">Payments<"));
        assert_eq!(
            b.post("/console/account/language", &[("locale", "zh-CN")]).await.status,
            303
        );
        let zh = b.get(&format!("/console/m/{m}/payments")).await;
        assert!(zh.has("<html lang=\"zh-CN\">") && zh.has(">支付订单<"), "{}", zh.body);
        assert_eq!(
            b.post("/console/account/language", &[("locale", "fr")]).await.status,
            400
        );
        // Error pages speak it too.
        let missing = b.get(&format!("/console/m/{m}/payments/pay_nope")).await;
        assert_eq!(missing.status, 404);
        assert!(missing.has("未找到"));
        // And the sign-in page follows the browser until a user picks.
        let anon = server.browser();
        assert!(anon.get("/console/login?lang=en").await.has("Sign in"));
        assert!(
            anon.get("/console/login").await.has("Sign in"),
            "the choice is remembered"
        );
    }
}
