//! The service side's current registration (id and secret), written by
//! `ServiceClient` on each (re-)registration and read by `serve_channel`
//! to verify juhe's calls and sign its answers.

use crate::signing::ServiceSecret;
use std::sync::RwLock;

#[derive(Debug, Clone)]
pub struct Credentials {
    pub service_id: String,
    pub secret: ServiceSecret,
}

#[derive(Debug, Default)]
pub struct ServiceSession {
    current: RwLock<Option<Credentials>>,
}

impl ServiceSession {
    pub fn new() -> ServiceSession {
        ServiceSession::default()
    }

    pub fn set(&self, credentials: Credentials) {
        match self.current.write() {
            Ok(mut g) => *g = Some(credentials),
            Err(poisoned) => *poisoned.into_inner() = Some(credentials),
        }
    }

    pub fn clear(&self) {
        match self.current.write() {
            Ok(mut g) => *g = None,
            Err(poisoned) => *poisoned.into_inner() = None,
        }
    }

    pub fn current(&self) -> Option<Credentials> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}
