"""All wording a sender or the office reads: jinja2 templates and problems.toml (data files).

May import: nothing (it holds data files)."""
