//! Test support shared by the integration suites.
//!
//! Every suite runs against both engines: SQLite in a temporary directory,
//! and PostgreSQL in a fresh database on the server named by
//! `JUHE_TEST_PG_URL` (which `scripts/with-postgres` starts). Without that
//! variable the PostgreSQL half is skipped locally, but fails under CI so a
//! green CI always means both engines passed.

pub mod checks;
pub mod client;
pub mod console_client;
pub mod db;
pub mod scripted_channel;
pub mod server;
pub mod webhook_receiver;

pub use checks::{Snapshot, assert_error, assert_error_shape};
pub use client::{Client, Raw, Reply};
pub use console_client::{Browser, Page};
pub use db::{Engine, TestDb, engines};
pub use scripted_channel::{Call, Plan, ScriptedChannel, Step};
pub use server::{ChannelSetup, ConsoleRole, ServiceSetup, StoppedServer, TestApp, TestServer};
pub use webhook_receiver::{Answer, Reception, WebhookReceiver};
