"""The performance benchmark (issue 8): ``python -m bench`` or ``./dev bench``; not a test."""
