"""Roads, river crossings (spillways, bridges, ferries), their water-level gauges and readings."""
