"""Pure radio-propagation computations (numpy/numba only, no Django): viewshed, path loss, planning."""
