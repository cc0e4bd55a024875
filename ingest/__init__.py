"""Mail in: fetch, parse, unpack, read and classify. Knows nothing of rules.

Pure parser modules (bytes in, typed values out) beside two I/O facades: imap (the only module
that talks IMAP) and mailbox (a folder of .eml). Settings arrive as small dataclasses; errors are
ingest.errors. May import: the standard library and third-party libraries only — never rules,
notify or shenbao."""
