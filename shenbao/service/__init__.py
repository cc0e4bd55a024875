"""The running service: one cycle (pipeline: fetch in a thread beside processing), the daemon and its schedule, config reload,
the digest job, maintenance (reevaluate), doctor, demo, progress and logs, and wiring (a Config to a
store, mailbox and sender).

May import: every shenbao subpackage below it (intake, office, replies, register, store, samples), the
shenbao core modules, rules, ingest, notify. Only shenbao.cli imports it."""
