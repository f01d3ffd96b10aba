//! Storage for juhe: one schema and one set of queries for SQLite (the
//! embedded default) and PostgreSQL (scale-out), through sqlx's `Any` driver.
//!
//! SQL here is written once in the dialect both engines accept: `$n`
//! placeholders, `BIGINT` money and times, `TEXT` ids and JSON,
//! `ON CONFLICT … DO NOTHING`, `RETURNING`. Writes go through [`Db::write`],
//! which on SQLite batches many requests into one durable commit (group
//! commit) and on PostgreSQL runs each in its own transaction.

pub mod announcements;
pub mod attempts;
pub mod audit;
pub mod bankcard;
pub mod channel_configs;
pub mod channel_notifications;
pub mod channel_services;
pub mod channel_tasks;
pub mod clock;
pub mod customers;
pub mod db;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod ids;
pub mod ledger;
pub mod merchants;
pub mod migrate;
pub mod nonces;
pub mod payments;
pub mod refunds;
pub mod reports;
pub mod roles;
pub mod sessions;
pub mod sites;
pub mod sql;
pub mod topups;
pub mod users;
mod writer;

pub use db::{Backend, Db, DbConfig, Tx};
pub use error::StoreError;
pub use sqlx::AnyConnection;
