"""The embedded default used by `make run`: SQLite, tasks in-process, demo-friendly."""

from .base import *  # noqa: F403

DEBUG = True
