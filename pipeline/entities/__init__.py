"""Entities: mentions grouped into document-level entities, linked to a shipped dictionary."""
