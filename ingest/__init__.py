"""Mail in: fetch, parse, unpack, read and classify. Knows nothing of rules."""
