"""Ingest: read article files (header, date, source, body), split sentences, cut chunks."""
