"""Purchasing and stocktake (docs/stock.md)."""
