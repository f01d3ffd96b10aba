-- Channels: per-merchant configuration, attempts at channels, durable
-- channel work (polling, reversing, closing) and the inbound
-- notification log. Same portable dialect as 0001.

-- A merchant's configuration of one channel. Secrets are sealed one by one
-- (JSON object of name -> sealed value) under the master key, bound to the
-- row id and the secret's name; params never hold secrets.
CREATE TABLE channel_configs (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    channel TEXT NOT NULL,
    name TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    params TEXT NOT NULL,
    secrets_sealed TEXT NOT NULL,
    fee_bps BIGINT NOT NULL,
    single_limit BIGINT,
    daily_limit BIGINT,
    priority BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX channel_configs_merchant ON channel_configs (merchant_id, channel);

-- Amount taken per configuration and (UTC+8) day, for daily limits.
CREATE TABLE channel_usage (
    config_id TEXT NOT NULL,
    day TEXT NOT NULL,
    amount BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (config_id, day)
);

-- Each try of a payment at a channel. channel_order_no is what the channel
-- knows the order by (unique per attempt, so a failover never reuses it).
CREATE TABLE payment_attempts (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    seq BIGINT NOT NULL,
    config_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    channel_order_no TEXT NOT NULL,
    status TEXT NOT NULL,
    channel_trade_no TEXT,
    error_code TEXT,
    error_message TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX payment_attempts_seq ON payment_attempts (payment_id, seq);
CREATE UNIQUE INDEX payment_attempts_order_no ON payment_attempts (channel, channel_order_no);

ALTER TABLE payments ADD COLUMN channel_config_id TEXT;
ALTER TABLE payments ADD COLUMN channel_trade_no TEXT;
ALTER TABLE payments ADD COLUMN pay_action TEXT;

ALTER TABLE refunds ADD COLUMN channel_refund_id TEXT;
ALTER TABLE refunds ADD COLUMN failure_code TEXT;
ALTER TABLE refunds ADD COLUMN failure_message TEXT;

-- Durable channel work. One row per (kind, subject); re-arming a finished
-- task resets it. Claimed with a lease like webhook deliveries.
CREATE TABLE channel_tasks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    status TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    tries BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX channel_tasks_due ON channel_tasks (status, due_at);

-- Every inbound notification, verified or not, with what it did.
CREATE TABLE channel_notifications (
    id TEXT PRIMARY KEY,
    config_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT,
    digest TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX channel_notifications_subject ON channel_notifications (subject);

-- An app may authenticate with its own key pair instead of the shared
-- secret: the PEM public key (RSA 2048+ or SM2). When set, only the
-- matching asymmetric scheme is accepted for the app.
ALTER TABLE apps ADD COLUMN public_key TEXT;
