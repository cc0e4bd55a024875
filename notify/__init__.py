"""Replies out: render them from the templates and hand them to a sender. Decides nothing."""
