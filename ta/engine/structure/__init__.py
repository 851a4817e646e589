"""Market structure engines (pure): swings, support/resistance, Fibonacci, order blocks,
confluence, trade signals and the regime classifier. Definitions: docs/STRUCTURE.md."""
