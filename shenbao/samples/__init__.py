"""Demo material: realistic sample mails (mail), their documents (docs) and pictures (images),
written by build for `shenbao demo` and used by the tests.

May import: nothing of the project (standard library and the document/image libraries only)."""
