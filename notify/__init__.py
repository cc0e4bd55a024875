"""Out to people: render replies from the templates and hand them to a sender; render what the office
reads (the digest, the workbook and the CSV, from the office's views of nominations). Decides nothing.

smtp is the only module that talks SMTP; filebox writes .eml files; errors are notify.errors.
May import: rules (problem codes and facts, for wording) and templates — never ingest or shenbao."""
