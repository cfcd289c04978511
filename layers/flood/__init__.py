"""Flood extents from satellite water masks."""
