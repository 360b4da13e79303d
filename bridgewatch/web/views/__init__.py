"""Request handlers, grouped by what they serve."""
