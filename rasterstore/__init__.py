"""The raster catalogue: every raster file kept, with what is known of it, and the safe way to open one.

It sits below both ``ingest`` (which fills it) and ``layers`` (which read it) and imports neither.
"""
