"""Layouts of the documents the engine issues: DOCX, PDF, HTML preview, XLSX forms."""
