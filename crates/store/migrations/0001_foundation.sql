-- The foundation schema. Portable between SQLite and PostgreSQL: TEXT ids
-- (prefixed ULIDs), BIGINT money in minor units and BIGINT Unix-millisecond
-- times, JSON kept as TEXT, no engine-specific types.

CREATE TABLE merchants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    wallet_fee_bps BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- API credentials. Secrets are stored sealed (see secrets.rs), never in clear.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    name TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    webhook_secret_sealed TEXT NOT NULL,
    notify_url TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX apps_merchant ON apps (merchant_id);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    name TEXT NOT NULL,
    phone TEXT,
    external_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_external ON customers (merchant_id, external_id);

-- Ledger accounts. balance is a cache of the postings on the account's
-- normal side, updated in the same transaction as every posting and checked
-- by `juhe ledger verify`; held is the sum of active holds.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    owner_type TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    normal_balance TEXT NOT NULL,
    credit_limit BIGINT NOT NULL DEFAULT 0,
    balance BIGINT NOT NULL DEFAULT 0,
    held BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_owner ON accounts (owner_type, owner_id, kind, currency);

-- Immutable: rows are inserted, never updated or deleted.
CREATE TABLE journal_entries (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_type TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX journal_entries_ref ON journal_entries (ref_type, ref_id);

-- Signed amounts: debit positive, credit negative. Each entry sums to zero per currency.
CREATE TABLE postings (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES journal_entries (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX postings_account ON postings (account_id, id);
CREATE INDEX postings_entry ON postings (entry_id);

CREATE TABLE holds (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    captured BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    ref_type TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX holds_active ON holds (status, expires_at);

CREATE TABLE topups (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    app_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    merchant_topup_no TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX topups_no ON topups (app_id, merchant_topup_no);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    app_id TEXT NOT NULL,
    merchant_order_no TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    subject TEXT NOT NULL,
    way TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    payer_customer_id TEXT,
    notify_url TEXT,
    metadata TEXT,
    expire_at BIGINT NOT NULL,
    refunded_amount BIGINT NOT NULL DEFAULT 0,
    refund_reserved BIGINT NOT NULL DEFAULT 0,
    fee BIGINT NOT NULL DEFAULT 0,
    fee_refunded BIGINT NOT NULL DEFAULT 0,
    failure_code TEXT,
    failure_message TEXT,
    fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    succeeded_at BIGINT,
    closed_at BIGINT
);
CREATE UNIQUE INDEX payments_order_no ON payments (app_id, merchant_order_no);
CREATE INDEX payments_merchant_time ON payments (merchant_id, created_at);
CREATE INDEX payments_merchant_status ON payments (merchant_id, status, created_at);

CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    app_id TEXT NOT NULL,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    merchant_refund_no TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT,
    status TEXT NOT NULL,
    fee_refund BIGINT NOT NULL DEFAULT 0,
    fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    succeeded_at BIGINT
);
CREATE UNIQUE INDEX refunds_no ON refunds (app_id, merchant_refund_no);
CREATE INDEX refunds_payment ON refunds (payment_id);

-- The outbox: written in the same transaction as the state change it reports.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_object ON events (object_id);

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id),
    merchant_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_status_code BIGINT,
    last_error TEXT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_event ON deliveries (event_id);

CREATE TABLE delivery_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    attempt BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempt);

-- Stored responses for Idempotency-Key replays.
CREATE TABLE idempotency_keys (
    app_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT NOT NULL,
    response_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, idem_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- Nonces seen within the replay window, per app.
CREATE TABLE api_nonces (
    app_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, nonce)
);
CREATE INDEX api_nonces_expiry ON api_nonces (expires_at);
