"""The aiohttp application: JSON API under /api/v1, health checks and (later) pages."""
