"""Replies out: render them from the templates and hand them to a sender. Decides nothing.

smtp is the only module that talks SMTP; filebox writes .eml files; errors are notify.errors.
May import: rules (problem codes and facts, for wording) and templates — never ingest or shenbao."""
