-- One table of targets for every action type. What a target is (data) and the action's own
-- state (action_state) are text that only the action reads. V4ActionState.java moves the rows of
-- circuits and gomaxprocs_targets here and drops them.
CREATE TABLE targets (
  target VARCHAR(512) PRIMARY KEY,
  policy VARCHAR(64) NOT NULL,
  action_type VARCHAR(32) NOT NULL,
  target_group VARCHAR(512),
  data TEXT NOT NULL,
  state VARCHAR(16) NOT NULL,
  opened_at BIGINT,
  restore_at BIGINT,
  frozen INTEGER NOT NULL DEFAULT 0,
  applied INTEGER NOT NULL DEFAULT 0,
  action_state TEXT
);
CREATE INDEX targets_group ON targets (target_group, state);
-- Timestamped events that guards count: opens (flap guard), flips, rate-limit permits.
CREATE TABLE events (
  scope VARCHAR(600) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX events_scope ON events (scope, kind, at);
-- Intents that could not reach their target are retried with backoff.
ALTER TABLE intents ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intents ADD COLUMN not_before BIGINT NOT NULL DEFAULT 0;
ALTER TABLE intents ADD COLUMN last_error TEXT;
CREATE INDEX intents_status ON intents (status, not_before);
