"""Sweeps that ask the database what is due: `install` for the server, `run_all` for one run."""

from scheduler.jobs import JOB_IDS, install, run_all

__all__ = ["JOB_IDS", "install", "run_all"]
