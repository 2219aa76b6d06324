"""Files: atomic writes and tolerant reads of the run folders' JSON and CSV."""
