-- External channel services registered through the service directory, so
-- that every juhe node on one database routes to a service that registered
-- (or heartbeated) through any of them. One row per channel code: its
-- current registration. A re-registration replaces service_id, secret and
-- lease at once (the old id stops working); display_name stays the first
-- registration's. lease_until (Unix ms) is the one value every node reads;
-- deregistration sets it to the moment of deregistering. The service's
-- signing secret is sealed under the master key, bound to the code and the
-- service id.
CREATE TABLE channel_services (
    code TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    service_id TEXT NOT NULL,
    base_url TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    acks TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    registered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX channel_services_service_id ON channel_services (service_id);
