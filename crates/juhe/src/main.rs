//! The one juhe binary.

mod bankcard_state;
mod call;
mod channel_cli;
mod channels;
mod config;
mod console_users;
mod demo;
mod demo_console;
mod demo_sandbox;
mod jdpay_service;
mod keys;
mod sandbox;
mod serve;

use clap::{Parser, Subcommand};
use config::DbArgs;
use juhe_store::{Db, DbConfig};

#[derive(Parser)]
#[command(name = "juhe", version, about = "juhe (聚合): one API for every way to pay")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform (merchant API, webhooks, housekeeping).
    Serve(serve::ServeArgs),
    /// Apply the database schema.
    Migrate(DbArgs),
    /// Check the books.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Merchants' channel configurations.
    Channels {
        #[command(subcommand)]
        command: channel_cli::ChannelsCommand,
    },
    /// Console users (the first platform administrator, password resets).
    Users {
        #[command(subcommand)]
        command: console_users::UsersCommand,
    },
    /// Send a signed request with the demo credentials.
    Call(call::CallArgs),
    /// Load-generate signed wallet payments against a running juhe and
    /// compare with /healthz and raw durable SQLite commits on this disk.
    Bench(juhe_bench::BenchArgs),
    /// Every channel's sandbox and the payer's phone page (TEST-ONLY keys), until Ctrl-C.
    Sandbox(sandbox::SandboxArgs),
    /// JD Pay as an external channel service registering with a running juhe.
    JdpayService(jdpay_service::JdPayServiceArgs),
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Every entry balanced, every cached balance equal to its postings,
    /// no wallet overdrawn, every payment and refund posted. Exit 1 if not.
    Verify(DbArgs),
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("juhe: cannot start the runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await.map(|_| 0),
            Command::Migrate(args) => migrate(args).await,
            Command::Ledger {
                command: LedgerCommand::Verify(args),
            } => verify(args).await,
            Command::Call(args) => call::run(args).await,
            Command::Users { command } => console_users::run(command).await,
            Command::Channels { command } => channel_cli::run(command).await,
            Command::Bench(args) => bench(args).await,
            Command::Sandbox(args) => sandbox::run(args).await,
            Command::JdpayService(args) => jdpay_service::run(args).await,
        }
    });
    match code {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("juhe: {e}");
            std::process::exit(2);
        }
    }
}

async fn open(args: &DbArgs) -> Result<Db, Box<dyn std::error::Error>> {
    let resolved = args.resolve()?;
    Ok(Db::connect(&DbConfig::new(resolved.database_url)).await?)
}

async fn migrate(args: DbArgs) -> Result<i32, Box<dyn std::error::Error>> {
    let db = open(&args).await?;
    let applied = juhe_store::migrate::migrate(&db).await?;
    println!("migrations applied: {applied:?}");
    db.close().await;
    Ok(0)
}

async fn verify(args: DbArgs) -> Result<i32, Box<dyn std::error::Error>> {
    let db = open(&args).await?;
    juhe_store::migrate::migrate(&db).await?;
    let report = juhe_store::ledger::verify(db.reader()).await?;
    db.close().await;
    println!(
        "accounts {}, entries {}, postings {}",
        report.accounts, report.entries, report.postings
    );
    if report.ok() {
        println!("ledger OK");
        return Ok(0);
    }
    for f in &report.findings {
        println!("FAIL {}: {}", f.check, f.detail);
    }
    println!("ledger has {} finding(s)", report.findings.len());
    Ok(1)
}

async fn bench(args: juhe_bench::BenchArgs) -> Result<i32, Box<dyn std::error::Error>> {
    let report = juhe_bench::run(args).await?;
    println!("{report}");
    Ok(0)
}
