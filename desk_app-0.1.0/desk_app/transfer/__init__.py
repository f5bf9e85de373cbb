"""Bringing a shop's running business over from another system, after its clients (docs/import.md):
prepaid balances and session packages still owed, and the appointments already booked."""
