"""What every experiment shares: the engine for many runs, the sweep, gathering runs into tables,
statistics, plots, reports and the look (palette, labels)."""
