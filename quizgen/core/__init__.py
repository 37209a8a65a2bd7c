"""What every stage shares: the user-error type, the question record, bounded caches, --jobs processes,
atomic output folders, where the shipped data are, and safe file names."""
