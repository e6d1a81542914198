"""The campaign's results: the report to the city (a document), the per-unit scores, the
board (docs/reporting.md)."""
