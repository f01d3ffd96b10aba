-- What the card-present front must remember across restarts: trace and
-- batch numbers per terminal, and a journal of card transactions (never
-- card numbers or PIN blocks) that reversals, voids, refunds and
-- settlement act on.

CREATE TABLE bankcard_terminals (
    terminal_id TEXT PRIMARY KEY,
    trace BIGINT NOT NULL,
    batch BIGINT NOT NULL
);

CREATE TABLE bankcard_journal (
    terminal_id TEXT NOT NULL,
    order_no TEXT NOT NULL,
    kind TEXT NOT NULL,
    trace BIGINT NOT NULL,
    batch BIGINT NOT NULL,
    date_mmdd TEXT NOT NULL,
    amount BIGINT NOT NULL,
    entry_mode TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (terminal_id, order_no)
);
CREATE INDEX bankcard_journal_batch ON bankcard_journal (terminal_id, batch);
