//! `juhe serve`: the HTTP server with its background workers.

use crate::config::DbArgs;
use clap::Args;
use juhe_domain::webhook::RetrySchedule;
use juhe_gateway::{AppState, GatewayConfig};
use juhe_service::channels::PollPolicy;
use juhe_store::{Db, DbConfig};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "JUHE_LISTEN")]
    pub listen: Option<String>,
    /// Create the demo merchant, app and customer, and write <data-dir>/demo.json.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let resolved = args.db.resolve()?;
    let listen = args
        .listen
        .clone()
        .or(resolved.file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let keys = crate::keys::load_or_create(&resolved.master_key_file)?;
    let db = Db::connect(&DbConfig::new(resolved.database_url.clone())).await?;
    juhe_store::migrate::migrate(&db).await?;

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let local = listener.local_addr()?;
    let base_url = format!("http://{local}");

    let mut gateway = GatewayConfig {
        admin_token: Some(crate::keys::admin_token(&resolved.data_dir.join("admin.token"))?),
        public_url: resolved.file.public_url.clone().unwrap_or_else(|| base_url.clone()),
        ..GatewayConfig::default()
    };
    if let Some(r) = resolved.file.rate_per_sec {
        gateway.rate_per_sec = r;
    }
    if let Some(b) = resolved.file.rate_burst {
        gateway.rate_burst = b;
    }
    let poll_scale = std::env::var("JUHE_CHANNEL_POLL_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .or(resolved.file.channel_poll_scale)
        .unwrap_or(1);
    let service_token = crate::keys::channel_service_token(&resolved.data_dir.join("channel.token"))?;
    let channels = crate::channels::build(
        &db,
        &keys,
        &gateway.public_url,
        PollPolicy::default().scaled_down(poll_scale),
        &service_token,
    )?;
    let hub = channels.hub.clone();
    // Services registered through other nodes (or before this start) are
    // routable at once, and later ones within one sync interval.
    if let Err(e) = channels.directory.sync(juhe_store::clock::now_ms()).await {
        tracing::warn!(error = %e, "channel service directory: first sync failed");
    }
    let directory_sync = channels.directory.spawn_sync(crate::channels::SERVICE_SYNC);
    let state = AppState::with_hub(db.clone(), keys.clone(), gateway, hub.clone());

    if args.demo {
        let previous_users = crate::demo_console::previous_users(&resolved.data_dir);
        let mut creds = crate::demo::seed(&db, &keys, &resolved.data_dir, &base_url).await?;
        crate::demo_console::seed(&db, &base_url, previous_users, &mut creds).await?;
        crate::demo::write_credentials(&resolved.data_dir, &creds)?;
        print_demo_help(&resolved.data_dir, &creds);
        crate::demo_sandbox::wire(&db, &hub, &base_url, &service_token, &resolved.data_dir, &mut creds).await?;
    }
    if let Some(file) = crate::console_users::ensure_first_admin(&db, &resolved.data_dir).await? {
        println!("Console: {base_url}/console — first administrator 'admin', password in {file}");
    }
    let console = juhe_console::ConsoleState::new(
        db.clone(),
        keys.clone(),
        hub.clone(),
        juhe_console::ConsoleConfig {
            secure_cookies: resolved
                .file
                .console_secure_cookies
                .unwrap_or_else(|| state.config.public_url.starts_with("https://")),
            ..juhe_console::ConsoleConfig::default()
        },
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    let scale = std::env::var("JUHE_WEBHOOK_RETRY_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .or(resolved.file.webhook_retry_scale)
        .unwrap_or(1);
    let mut worker_config = juhe_webhooks::WorkerConfig {
        schedule: RetrySchedule::default().scaled_down(scale),
        ..Default::default()
    };
    if scale > 1 {
        worker_config.poll_interval = Duration::from_millis(50);
        worker_config.request_timeout = Duration::from_secs(2);
        worker_config.lease = Duration::from_secs(5);
    }
    let worker = juhe_webhooks::Worker::new(db.clone(), keys.clone(), worker_config)?;
    let webhooks = tokio::spawn(worker.run(stop_rx.clone()));
    let sweep_every = Duration::from_secs(resolved.file.sweep_interval_secs.unwrap_or(15).max(1));
    let sweeper = tokio::spawn(sweep_loop(db.clone(), sweep_every, stop_rx.clone()));
    let channel_tasks = tokio::spawn(juhe_service::channels::tasks::run(
        db.clone(),
        hub,
        Duration::from_millis(if poll_scale > 1 { 20 } else { 500 }),
        stopped(stop_rx),
    ));

    tracing::info!(%local, database = %redact(&resolved.database_url), "juhe is listening");
    println!("juhe listening on {base_url}");
    let app = juhe_gateway::router(state)
        .merge(juhe_channel_external::directory_router(channels.directory.clone()))
        .merge(juhe_console::router(console))
        .route(
            "/",
            axum::routing::get(|| async { axum::response::Redirect::to("/console") }),
        );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;

    let _ = stop_tx.send(true);
    let _ = webhooks.await;
    let _ = sweeper.await;
    let _ = channel_tasks.await;
    directory_sync.abort();
    db.close().await;
    Ok(())
}

/// Resolves when the stop signal is sent.
async fn stopped(mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

async fn sweep_loop(db: Db, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = juhe_service::maintenance::sweep(&db).await {
            tracing::warn!(error = %e, "sweep failed");
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A database URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}

fn print_demo_help(data_dir: &std::path::Path, c: &crate::demo::DemoCredentials) {
    println!(
        "\nDemo ready. Credentials: {dir}/demo.json (app {app}, customer {cus} with 1,000.00 CNY).\n\
         Try, in another terminal:\n\
         \x20 juhe call GET /v1/customers/{cus}\n\
         \x20 juhe call POST /v1/payments '{{\"merchant_order_no\":\"try-1\",\"amount\":1999,\"subject\":\"92# fuel\",\"way\":\"wallet\",\"payer\":{{\"customer_id\":\"{cus}\"}}}}'\n\
         \x20 juhe call POST /v1/payments/<id>/refunds '{{\"merchant_refund_no\":\"try-1-r1\",\"amount\":500}}'\n\
         (via cargo: cargo run --release -- call …). API reference: {base}/openapi.json\n\
         Consoles: {base}/console — users and passwords in demo.json (\"console_users\"): {users}\n",
        dir = data_dir.display(),
        app = c.app_id,
        cus = c.customer_id,
        base = c.base_url,
        users = c
            .console_users
            .iter()
            .map(|u| format!("{} ({})", u.username, u.role))
            .collect::<Vec<_>>()
            .join(", "),
    );
}
