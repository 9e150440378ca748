"""Messages to families: channel providers (the outbox and delivery pipeline build on these)."""
