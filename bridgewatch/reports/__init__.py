"""Post-session reports: figures gathered once from the database, rendered as HTML, PDF, XLSX, CSV."""
