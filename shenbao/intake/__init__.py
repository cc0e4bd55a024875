"""Intake: one stored email to its disposition — parse and read it (ingest), find its nominations
(matching, candidates), apply that (attach), answer it (through shenbao.replies).

May import: shenbao.replies, shenbao.register, shenbao.store, shenbao.config/errors, rules, ingest, notify."""
