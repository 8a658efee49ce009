"""Sweeps that ask the database what is due."""
