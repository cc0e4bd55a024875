"""Pure judgement: facts + rule config + time -> verdict. No I/O in this package.

May import: the standard library and pydantic only — never ingest, notify or shenbao."""
