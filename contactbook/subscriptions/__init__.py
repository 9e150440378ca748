"""The voluntary paid service: which families receive pushed messages, by which channel, and why."""
