"""The Stock screen (docs/stock.md)."""
