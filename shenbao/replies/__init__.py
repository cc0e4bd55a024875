"""Replies: the outbox queue (outbox: claimed, sent, bounced) and the composition of a reply's data
from the register (compose).

May import: shenbao.register, shenbao.store, shenbao.config/errors, rules, ingest, notify."""
