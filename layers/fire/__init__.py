"""Forest-fire hotspots and fire events."""
