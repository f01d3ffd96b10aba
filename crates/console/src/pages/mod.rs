//! The pages. `login` and `account` serve every user; `platform` the
//! platform's operators; `merchant` a merchant's staff (and the platform's,
//! acting for a merchant). Pages shared by both consoles (users and roles,
//! the audit log) live at this level.

pub mod account;
pub mod audit;
pub mod error_page;
pub mod login;
pub mod merchant;
pub mod platform;
pub mod users;
