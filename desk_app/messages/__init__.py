"""Messages that reach clients: the outbox, templates, the sender and its channels."""
