"""The owner's monthly summary: figures (monthly), CSV exports, the PDF, headless commands."""
