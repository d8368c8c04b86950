"""Grading a whole class: intake, sandbox, audit, engine and report."""
