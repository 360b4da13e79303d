"""Sessions: the conferences, their points, scheduled readiness sweeps, checklists and alerts."""
