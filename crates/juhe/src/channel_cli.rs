//! `juhe channels …`: the platform's command line for merchants' channel
//! configurations (the same service functions as the admin API). Secrets
//! are never taken from the command line itself (shell history, `ps`):
//! `--secret name=@path` reads a file, `--secret name=-` reads stdin.

use crate::config::DbArgs;
use clap::{Args, Subcommand};
use juhe_service::channels::PollPolicy;
use juhe_service::channels::admin as channel_admin;
use juhe_service::channels::configs::{ChannelConfigView, ConfigInput};
use juhe_service::identity::Actor;
use juhe_store::{Db, DbConfig};
use std::collections::BTreeMap;
use std::io::Read;

#[derive(Debug, Subcommand)]
pub enum ChannelsCommand {
    /// The channels this build knows, with their ways and operations.
    Catalogue,
    /// A merchant's configurations (secrets by name only).
    List {
        #[arg(long)]
        merchant: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Configure a channel for a merchant.
    Add(ConfigArgs),
    /// Replace a configuration (secrets not given keep their value).
    Update {
        /// The configuration id (chc_…).
        id: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Rotate a secret without downtime: the new version signs from now on,
    /// the previous one keeps verifying and decrypting until retired.
    Rotate {
        /// The configuration id (chc_…).
        id: String,
        #[arg(long)]
        merchant: String,
        /// The secret's new version, name=@file or name=- (stdin).
        #[arg(long)]
        secret: String,
        /// A parameter that changes with the new key, name=value (repeatable).
        #[arg(long = "param")]
        params: Vec<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Retire an older version of a secret (what was made with it is no
    /// longer accepted; its value is deleted).
    Retire {
        /// The configuration id (chc_…).
        id: String,
        #[arg(long)]
        merchant: String,
        /// The secret's name.
        #[arg(long)]
        secret: String,
        #[arg(long)]
        version: u32,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[arg(long)]
    pub merchant: String,
    /// wechatpay, alipay, unionpay, bankcard, …
    #[arg(long)]
    pub channel: String,
    #[arg(long)]
    pub name: String,
    /// Start disabled.
    #[arg(long)]
    pub disabled: bool,
    /// A plain parameter, name=value (repeatable).
    #[arg(long = "param")]
    pub params: Vec<String>,
    /// A secret, name=@file or name=- (stdin) (repeatable).
    #[arg(long = "secret")]
    pub secrets: Vec<String>,
    #[arg(long, default_value_t = 0)]
    pub fee_bps: i64,
    #[arg(long)]
    pub single_limit: Option<i64>,
    #[arg(long)]
    pub daily_limit: Option<i64>,
    #[arg(long, default_value_t = 0)]
    pub priority: i64,
    #[command(flatten)]
    pub db: DbArgs,
}

type Failure = Box<dyn std::error::Error>;

fn pair(text: &str) -> Result<(String, String), Failure> {
    let (k, v) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not name=value"))?;
    Ok((k.trim().to_string(), v.to_string()))
}

fn secret_value(name: &str, source: &str) -> Result<String, Failure> {
    if source == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        return Ok(text.trim_end().to_string());
    }
    let path = source
        .strip_prefix('@')
        .ok_or_else(|| format!("secret {name}: give name=@path or name=- (never the value itself)"))?;
    Ok(std::fs::read_to_string(path)
        .map_err(|e| format!("secret {name}: {path}: {e}"))?
        .trim_end()
        .to_string())
}

fn params_of(pairs: &[String]) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    let mut params = serde_json::Map::new();
    for p in pairs {
        let (k, v) = pair(p)?;
        params.insert(k, serde_json::Value::String(v));
    }
    Ok(params)
}

impl ConfigArgs {
    fn input(&self) -> Result<ConfigInput, Failure> {
        let params = params_of(&self.params)?;
        let mut secrets = BTreeMap::new();
        for s in &self.secrets {
            let (k, source) = pair(s)?;
            let value = secret_value(&k, &source)?;
            secrets.insert(k, value);
        }
        Ok(ConfigInput {
            channel: self.channel.clone(),
            name: self.name.clone(),
            enabled: !self.disabled,
            params,
            secrets,
            fee_bps: self.fee_bps,
            single_limit: self.single_limit,
            daily_limit: self.daily_limit,
            priority: self.priority,
        })
    }
}

async fn open(args: &DbArgs) -> Result<(Db, juhe_service::channels::ChannelHub), Failure> {
    let resolved = args.resolve()?;
    let keys = crate::keys::load_or_create(&resolved.master_key_file)?;
    let db = Db::connect(&DbConfig::new(resolved.database_url.clone())).await?;
    juhe_store::migrate::migrate(&db).await?;
    let public_url = resolved
        .file
        .public_url
        .clone()
        .or(resolved.file.listen.as_ref().map(|l| format!("http://{l}")))
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_string());
    let channels = crate::channels::build(&db, &keys, &public_url, PollPolicy::default(), "unused")?;
    // External channel services registered with the running nodes, so their
    // configurations can be managed here too.
    channels.directory.sync(juhe_store::clock::now_ms()).await?;
    Ok((db, channels.hub))
}

fn print(view: &ChannelConfigView) -> Result<(), Failure> {
    println!("{}", serde_json::to_string_pretty(view)?);
    Ok(())
}

pub async fn run(command: ChannelsCommand) -> Result<i32, Failure> {
    match command {
        ChannelsCommand::Catalogue => {
            let db = Db::connect(&DbConfig::new("sqlite::memory:")).await?;
            for channel in crate::channels::registry(&db)?.all() {
                let caps = channel.capabilities();
                let ways: Vec<&str> = caps.ways.iter().map(|w| w.as_str()).collect();
                let ops: Vec<&str> = caps.operations.iter().map(|o| o.as_str()).collect();
                println!(
                    "{:<10} {:<14} ways: {:<28} operations: {}",
                    channel.code(),
                    channel.display_name(),
                    ways.join(","),
                    ops.join(",")
                );
            }
            Ok(0)
        }
        ChannelsCommand::List { merchant, db } => {
            let (db, hub) = open(&db).await?;
            for row in juhe_store::channel_configs::list_for_merchant(db.reader(), &merchant).await? {
                print(&ChannelConfigView::new(&row, &hub.public_url))?;
            }
            db.close().await;
            Ok(0)
        }
        ChannelsCommand::Add(args) => {
            let input = args.input()?;
            let (db, hub) = open(&args.db).await?;
            let (h, merchant) = (hub.clone(), args.merchant.clone());
            let row = db
                .write(move |tx| {
                    let (input, h, merchant) = (input.clone(), h.clone(), merchant.clone());
                    Box::pin(
                        async move { channel_admin::create(tx, &Actor::system("cli"), &h, &merchant, &input).await },
                    )
                })
                .await?;
            print(&ChannelConfigView::new(&row, &hub.public_url))?;
            db.close().await;
            Ok(0)
        }
        ChannelsCommand::Update { id, config } => {
            let input = config.input()?;
            let (db, hub) = open(&config.db).await?;
            let (h, merchant) = (hub.clone(), config.merchant.clone());
            let row = db
                .write(move |tx| {
                    let (input, h, merchant, id) = (input.clone(), h.clone(), merchant.clone(), id.clone());
                    Box::pin(async move {
                        channel_admin::update(tx, &Actor::system("cli"), &h, &merchant, &id, &input).await
                    })
                })
                .await?;
            print(&ChannelConfigView::new(&row, &hub.public_url))?;
            db.close().await;
            Ok(0)
        }
        ChannelsCommand::Rotate {
            id,
            merchant,
            secret,
            params,
            db,
        } => {
            let (name, source) = pair(&secret)?;
            let rotation = juhe_service::channels::configs::Rotation {
                value: secret_value(&name, &source)?,
                secret: name,
                params: params_of(&params)?,
            };
            let (db, hub) = open(&db).await?;
            let h = hub.clone();
            let row = db
                .write(move |tx| {
                    let (rotation, h, merchant, id) = (rotation.clone(), h.clone(), merchant.clone(), id.clone());
                    Box::pin(async move {
                        channel_admin::rotate(tx, &Actor::system("cli"), &h, &merchant, &id, &rotation).await
                    })
                })
                .await?;
            print(&ChannelConfigView::new(&row, &hub.public_url))?;
            db.close().await;
            Ok(0)
        }
        ChannelsCommand::Retire {
            id,
            merchant,
            secret,
            version,
            db,
        } => {
            let (db, hub) = open(&db).await?;
            let h = hub.clone();
            let row = db
                .write(move |tx| {
                    let (merchant, id, secret, h) = (merchant.clone(), id.clone(), secret.clone(), h.clone());
                    Box::pin(async move {
                        channel_admin::retire(tx, &Actor::system("cli"), &h, &merchant, &id, &secret, version).await
                    })
                })
                .await?;
            print(&ChannelConfigView::new(&row, &hub.public_url))?;
            db.close().await;
            Ok(0)
        }
    }
}
