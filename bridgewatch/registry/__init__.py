"""The registry of units (a tree of any depth) and their endpoints (bridge points)."""
