//! Why the sandboxes could not start or take a merchant.

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("binding {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: String,
        source: std::io::Error,
    },
    #[error("setting up the {0} sandbox: {1}")]
    Setup(&'static str, String),
    #[error("registering the merchant at the {channel} sandbox: {detail}")]
    Register { channel: &'static str, detail: String },
    #[error("reading the fixture {0}")]
    Fixture(&'static str),
}
