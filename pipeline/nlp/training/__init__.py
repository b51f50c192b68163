"""Offline training of the tiny fallback Stanza models (corpus + build script)."""
