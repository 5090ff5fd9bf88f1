-- GOMAXPROCS targets: the last value set and when, which direction alerts are active, flips.
CREATE TABLE gomaxprocs_targets (
  target VARCHAR(512) PRIMARY KEY,
  last_value INTEGER,
  last_set_at BIGINT,
  last_direction VARCHAR(8),
  frozen INTEGER NOT NULL DEFAULT 0,
  active_down VARCHAR(128),
  active_up VARCHAR(128)
);
CREATE TABLE gomaxprocs_flips (
  target VARCHAR(512) NOT NULL,
  at BIGINT NOT NULL
);
