//! JD Pay's wire protocol, shared by the client and the sandbox.

pub mod des3;
pub mod envelope;
pub mod error;
pub mod form;
pub mod messages;
pub mod sign;
pub mod xml;

pub use error::ProtocolError;
pub use xml::JdXml;
