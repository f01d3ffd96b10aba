-- The consoles: sites and terminals of merchants, console users with roles
-- and single permission grants / denials, sessions, the audit log and
-- announcements. Same portable dialect as 0001.

ALTER TABLE merchants ADD COLUMN contact_name TEXT;
ALTER TABLE merchants ADD COLUMN contact_phone TEXT;
ALTER TABLE merchants ADD COLUMN updated_at BIGINT;

-- Rotating an app's secret keeps the previous one working until
-- previous_secret_until, so an integrator can deploy the new one.
ALTER TABLE apps ADD COLUMN previous_secret_sealed TEXT;
ALTER TABLE apps ADD COLUMN previous_secret_until BIGINT;

-- A toll plaza, a station, an outlet.
CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sites_merchant ON sites (merchant_id, name);

-- A lane terminal, POS, kiosk, payment pillar, set-top box, nozzle or charge point.
CREATE TABLE terminals (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    site_id TEXT NOT NULL REFERENCES sites (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    serial_no TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX terminals_serial ON terminals (merchant_id, serial_no);
CREATE INDEX terminals_site ON terminals (site_id);

-- Console users. scope is platform | merchant | site; merchant_id and
-- site_id say which. password_hash is an argon2id PHC string.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    scope TEXT NOT NULL,
    merchant_id TEXT REFERENCES merchants (id),
    site_id TEXT REFERENCES sites (id),
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL,
    status TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    password_changed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_merchant ON users (merchant_id);

-- Roles. owner is 'platform' or a merchant id (a merchant's custom roles);
-- built-in roles keep their permissions in code (juhe_domain::access), so
-- their permissions column is informational.
CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    builtin BIGINT NOT NULL,
    permissions TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX roles_owner_name ON roles (owner, name);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role_id TEXT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

-- A single permission granted to or denied from one user.
CREATE TABLE user_permissions (
    user_id TEXT NOT NULL REFERENCES users (id),
    permission TEXT NOT NULL,
    effect TEXT NOT NULL,
    PRIMARY KEY (user_id, permission)
);

-- Console sessions. id is the SHA-256 of the cookie's token (a stolen
-- database does not give usable cookies); csrf_token guards every form.
CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    ended_at BIGINT
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

-- Every change made through a console or the admin API: who, when, what,
-- before and after (JSON). Rows are inserted, never updated or deleted.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    merchant_id TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    ip TEXT
);
CREATE INDEX audit_log_merchant ON audit_log (merchant_id, id);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- Announcements from the platform to merchants. audience is 'all' or a merchant id.
CREATE TABLE announcements (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    audience TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX announcements_audience ON announcements (audience, created_at);

-- The built-in roles (their permissions live in code).
INSERT INTO roles (id, owner, name, scope, builtin, permissions, created_at, updated_at) VALUES
    ('role_platform_admin', 'platform', 'Platform administrator', 'platform', 1, '', 0, 0),
    ('role_platform_operations', 'platform', 'Platform operations', 'platform', 1, '', 0, 0),
    ('role_merchant_admin', 'platform', 'Merchant administrator', 'merchant', 1, '', 0, 0),
    ('role_merchant_finance', 'platform', 'Merchant finance', 'merchant', 1, '', 0, 0),
    ('role_site_manager', 'platform', 'Site manager', 'site', 1, '', 0, 0),
    ('role_cashier', 'platform', 'Cashier / collector', 'site', 1, '', 0, 0);

-- A site user's payment list. Partial, like payments_terminal: API payments
-- (no site) pay nothing for it.
CREATE INDEX payments_merchant_site ON payments (merchant_id, site_id, created_at) WHERE site_id IS NOT NULL;
