"""Source adapters: each returns the tidy incident table of :mod:`csa_stats.sources.schema`."""
