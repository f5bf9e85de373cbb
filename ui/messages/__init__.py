"""The Messages screen: what is queued, sent and failed; the templates and the channels (docs/messages.md)."""
