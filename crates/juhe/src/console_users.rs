//! Console users from the command line (`juhe users …`) and the first
//! platform administrator on a fresh database. Passwords are read from a
//! file or stdin, never from the command line itself.

use crate::config::DbArgs;
use clap::{Args, Subcommand};
use juhe_domain::access::{BuiltinRole, ScopeKind, UserScope};
use juhe_service::ServiceError;
use juhe_service::identity::Actor;
use juhe_service::identity::users::{self, NewUser};
use juhe_store::{Db, DbConfig};
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a console user with a built-in role.
    Add(AddArgs),
    /// Set a user's password (signs them out everywhere) and lift any lock.
    ResetPassword {
        /// The user name.
        username: String,
        /// Read the password from this file, or `-` for stdin.
        #[arg(long)]
        password_file: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub display_name: Option<String>,
    /// platform_admin, platform_operations, merchant_admin, merchant_finance, site_manager, cashier
    #[arg(long)]
    pub role: String,
    /// The merchant (merchant and site roles).
    #[arg(long)]
    pub merchant: Option<String>,
    /// The site (site roles).
    #[arg(long)]
    pub site: Option<String>,
    /// zh-CN or en.
    #[arg(long, default_value = "zh-CN")]
    pub locale: String,
    /// Read the password from this file, or `-` for stdin.
    #[arg(long)]
    pub password_file: String,
    #[command(flatten)]
    pub db: DbArgs,
}

fn read_password(source: &str) -> Result<Zeroizing<String>, Box<dyn std::error::Error>> {
    let mut text = Zeroizing::new(String::new());
    if source == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = Zeroizing::new(std::fs::read_to_string(source)?);
    }
    Ok(Zeroizing::new(text.trim_end_matches(['\r', '\n']).to_string()))
}

fn role_of(name: &str) -> Option<BuiltinRole> {
    BuiltinRole::ALL
        .iter()
        .copied()
        .find(|r| r.id().strip_prefix("role_") == Some(name))
}

async fn open(args: &DbArgs) -> Result<Db, Box<dyn std::error::Error>> {
    let resolved = args.resolve()?;
    let db = Db::connect(&DbConfig::new(resolved.database_url)).await?;
    juhe_store::migrate::migrate(&db).await?;
    Ok(db)
}

pub async fn run(command: UsersCommand) -> Result<i32, Box<dyn std::error::Error>> {
    match command {
        UsersCommand::Add(a) => {
            let role = role_of(&a.role).ok_or_else(|| format!("unknown role {:?}", a.role))?;
            let scope = match role.scopes().first() {
                Some(ScopeKind::Platform) => UserScope::Platform,
                Some(ScopeKind::Merchant) => UserScope::Merchant {
                    merchant_id: a.merchant.clone().ok_or("--merchant is needed for this role")?,
                },
                _ => UserScope::Site {
                    merchant_id: a.merchant.clone().ok_or("--merchant is needed for this role")?,
                    site_id: a.site.clone().ok_or("--site is needed for this role")?,
                },
            };
            let password = read_password(&a.password_file)?;
            juhe_domain::login::check_password(&a.username, &password)?;
            let hash = juhe_crypto::password::hash_password(&password)?;
            let db = open(&a.db).await?;
            let new = std::sync::Arc::new(NewUser {
                username: a.username.clone(),
                display_name: a.display_name.clone().unwrap_or_else(|| a.username.clone()),
                scope,
                password_hash: hash,
                locale: a.locale.clone(),
                role_ids: vec![role.id().to_string()],
                overrides: Vec::new(),
            });
            let user = db
                .write(move |tx| {
                    let new = new.clone();
                    Box::pin(async move { users::create(tx, &Actor::system("cli"), &new).await })
                })
                .await?;
            println!("created {} ({})", user.username, user.id);
            db.close().await;
            Ok(0)
        }
        UsersCommand::ResetPassword {
            username,
            password_file,
            db,
        } => {
            let password = read_password(&password_file)?;
            juhe_domain::login::check_password(&username, &password)?;
            let hash = juhe_crypto::password::hash_password(&password)?;
            let db = open(&db).await?;
            let name = juhe_domain::login::normalize_username(&username).unwrap_or_default();
            let user = juhe_store::users::by_username(db.reader(), &name)
                .await?
                .ok_or_else(|| format!("no user {username:?}"))?;
            let id = user.id.clone();
            db.write(move |tx| {
                let (id, hash) = (id.clone(), hash.clone());
                Box::pin(async move {
                    users::reset_password(tx, &Actor::system("cli"), &id, &hash).await?;
                    users::unlock(tx, &Actor::system("cli"), &id).await
                })
            })
            .await?;
            println!("password set for {}", user.username);
            db.close().await;
            Ok(0)
        }
    }
}

/// A fresh database has no one to sign in as: create `admin` with a random
/// password, written (mode 0600) to `<data-dir>/console-admin.txt` and
/// announced once. Several nodes starting together create it once.
pub async fn ensure_first_admin(db: &Db, data_dir: &Path) -> Result<Option<String>, Box<dyn std::error::Error>> {
    if juhe_store::users::any_platform_user(db.reader()).await? {
        return Ok(None);
    }
    let password = Zeroizing::new(format!("J{}-x", juhe_store::ids::random_hex(9)));
    let hash = juhe_crypto::password::hash_password(&password)?;
    let created = db
        .write(move |tx| {
            let hash = hash.clone();
            Box::pin(async move {
                if juhe_store::users::by_username_tx(&mut *tx, "admin").await?.is_some() {
                    return Ok::<_, ServiceError>(false);
                }
                users::bootstrap_platform_admin(tx, "admin", "Administrator", &hash, "zh-CN").await?;
                Ok(true)
            })
        })
        .await?;
    if !created {
        return Ok(None);
    }
    let path = data_dir.join("console-admin.txt");
    crate::demo::write_private(
        &path,
        format!(
            "# juhe console: first platform administrator. Sign in, then change the password.\nadmin\n{}\n",
            *password
        )
        .as_bytes(),
    )?;
    Ok(Some(path.display().to_string()))
}
