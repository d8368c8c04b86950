"""The severities of a message: an error to fix, or a note to read."""

E, N = "error", "note"
