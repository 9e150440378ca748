"""Accounts beyond signing in: set-up and reset links, the second factor, and the emails sent to accounts."""
