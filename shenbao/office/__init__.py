"""What the office reads: the overview of nominations, the digest's data, JSON/CSV/Excel export,
materials folders, `show`, the web view and its thumbnails.

May import: shenbao.replies, shenbao.register, shenbao.store, shenbao.config/errors/collector, rules, ingest,
notify, templates. Never shenbao.intake or shenbao.service."""
