"""Results and their writers: JSON, NPZ trace, Markdown summary, plot."""
