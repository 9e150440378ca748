"""The accounts services: links (tokens) and the emails to accounts."""
