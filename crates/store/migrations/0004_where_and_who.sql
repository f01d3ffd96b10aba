-- Where a payment was taken and by whom: the terminal and site (lane, POS,
-- kiosk) and, for cash, the staff member who took the money. Shift
-- totals and per-site statements count by these.
ALTER TABLE payments ADD COLUMN terminal_id TEXT;
ALTER TABLE payments ADD COLUMN site_id TEXT;
ALTER TABLE payments ADD COLUMN operator_id TEXT;
-- Partial: payments taken without a terminal (most API payments) cost no
-- index maintenance on the hot path.
CREATE INDEX payments_terminal ON payments (terminal_id, created_at) WHERE terminal_id IS NOT NULL;
