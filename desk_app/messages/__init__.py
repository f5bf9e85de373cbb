"""Messages that reach clients: the outbox, the planner, the templates, the sender and the
channels (docs/messages.md)."""
