"""Urban-management parcels of Trà My town."""
