-- The http action: what to call to open and close a circuit.
ALTER TABLE circuits ADD COLUMN action_type VARCHAR(16) NOT NULL DEFAULT 'haproxy';
ALTER TABLE circuits ADD COLUMN method VARCHAR(8);
ALTER TABLE circuits ADD COLUMN open_url VARCHAR(2048);
ALTER TABLE circuits ADD COLUMN close_url VARCHAR(2048);
