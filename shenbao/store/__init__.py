"""The store: the database (db), its tables (models) and their numbered migrations, the data directory and everything written there
(datadir, fsutil, derived files), faults of the machine, each stored file's brief, the codec of stored values
(verdicts) and the register's own notes (meta).

May import: shenbao.config/errors/secrets/collector, rules, ingest. Nothing above it."""
