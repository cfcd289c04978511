"""Telecom: cell towers, coverage gaps, Wi-Fi points, signal measurements."""
