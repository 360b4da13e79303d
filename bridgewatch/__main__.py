"""Allows `python -m bridgewatch`."""

from bridgewatch.cli import main

raise SystemExit(main())
