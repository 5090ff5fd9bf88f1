-- Alerts already handled: (fingerprint, status, startsAt) identifies one notification of one incident.
CREATE TABLE seen_alerts (
  fingerprint VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  starts_at VARCHAR(64) NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (fingerprint, status, starts_at)
);
-- One row per target ever acted on.
CREATE TABLE circuits (
  target VARCHAR(512) PRIMARY KEY,
  policy VARCHAR(64) NOT NULL,
  haproxy VARCHAR(128) NOT NULL,
  backend VARCHAR(128) NOT NULL,
  server VARCHAR(128) NOT NULL,
  state VARCHAR(16) NOT NULL,
  opened_at BIGINT,
  restore_at BIGINT,
  frozen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE circuit_opens (
  target VARCHAR(512) NOT NULL,
  opened_at BIGINT NOT NULL
);
-- The durable queue: written before the side effect, finished after it.
CREATE TABLE intents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target VARCHAR(512) NOT NULL,
  op VARCHAR(16) NOT NULL,
  policy VARCHAR(64) NOT NULL,
  fingerprint VARCHAR(64),
  labels TEXT,
  status VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at BIGINT NOT NULL,
  fingerprint VARCHAR(64),
  labels TEXT,
  policy VARCHAR(64),
  action VARCHAR(32),
  target VARCHAR(512),
  decision VARCHAR(32) NOT NULL,
  result TEXT
);
