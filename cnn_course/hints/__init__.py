"""Helpers that the test cells of the assignments import."""
