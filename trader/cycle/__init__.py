"""The trading cycle: pure decisions (exits, entry rules) and the run that applies them."""
