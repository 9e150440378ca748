"""Developer-only pages, served only when DEV_PAGES is on (never in production)."""
