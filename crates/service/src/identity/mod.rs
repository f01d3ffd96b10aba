//! Console identity: who is acting (an [`Actor`]), signing in and out,
//! users, roles and what they may do. The rules are in
//! `juhe_domain::access` and `juhe_domain::login`; this is them applied to
//! the database.

pub mod actor;
pub mod permissions;
pub mod roles;
pub mod sign_in;
pub mod users;

pub use actor::Actor;
