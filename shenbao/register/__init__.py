"""The register: nominations and their files, the verdict of one nomination (verdict), the unit roster,
office decisions and bulk loading of plain rows for the office views.

May import: shenbao.store, shenbao.config/errors/collector, rules, ingest."""
