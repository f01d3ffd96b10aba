//! External channel services (DESIGN.md §1 item 4, "service registry"): a
//! channel that runs as its own process, registers itself with juhe over
//! HTTP and answers juhe's operation calls in the JSON channel protocol of
//! `docs/channel-protocol.md`. Its crash or redeploy only makes its own
//! channel unavailable.
//!
//! juhe's side: `ServiceDirectory` + `directory_router` (register,
//! heartbeat, deregister, lease expiry) over a `ServiceStore` (juhe's
//! database, shared by every node; or memory) and `ExternalChannel` (the
//! `Channel` in each node's registry that proxies each operation).
//! The service's side: `ServiceClient` (registration and heartbeats) and
//! `serve_channel` (any `Channel` served over the protocol).

pub mod channel;
pub mod directory;
pub mod registration;
pub mod router;
pub mod serve;
pub mod service_client;
pub mod service_store;
pub mod session;
pub mod signing;
pub mod wire;

pub use channel::{ExternalChannel, SERVICE_UNAVAILABLE, ServiceTarget};
pub use directory::{DirectoryConfig, DirectoryError, ServiceDirectory, SyncReport};
pub use registration::{HeartbeatAnswer, RegisterAnswer, RegisterRequest};
pub use router::directory_router;
pub use serve::serve_channel;
pub use service_client::{ServiceClient, ServiceClientConfig, ServiceClientError, ServiceRegistration};
pub use service_store::{MemoryServiceStore, ServiceStore, StoreFault, StoredService};
pub use session::{Credentials, ServiceSession};
pub use signing::ServiceSecret;
pub use wire::PROTOCOL_VERSION;
