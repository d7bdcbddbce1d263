INSERT INTO runs (id, sweep, config, key, status, attempts, dir, created) VALUES ('0123456789abcdef', 'hostile', '{"variant":"","seed":1}', '{}', 'completed', 1, '/runs/x', '2026-11-01T00:00:00Z');
INSERT INTO sweep_runs (sweep, run_id, label, config) VALUES ('hostile', '0123456789abcdef', '', '{"variant":"","seed":1}');
INSERT INTO metrics (run_id, pos, name, value, step, epoch, identity) VALUES ('0123456789abcdef', 0, 'swd_avg', 31.5, 10, 2, 'v');
