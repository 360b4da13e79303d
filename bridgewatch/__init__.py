"""bridgewatch: registry, readiness probing and reports for video-conference bridge points."""

__version__ = "0.1.0"
