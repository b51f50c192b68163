"""Entities: mentions grouped into document-level entities (and, later, linked)."""
