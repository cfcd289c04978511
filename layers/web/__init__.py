"""The map, the dashboard and the portal embeds."""
