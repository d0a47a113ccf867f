"""Point Django at the benchmark database before anything imports settings."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure(candidates: int) -> str:
    """Use DATABASE_URL when set (PostgreSQL), else a SQLite file per data-set size."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    # As served: with DEBUG on, Django keeps every statement's text and templates their
    # debugging records, which is not what a recruiter's requests pay for.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmarks-only-" + "x" * 40)
    if os.environ.get("DATABASE_URL"):
        return "PostgreSQL"
    os.environ.setdefault("SQLITE_PATH", str(ROOT / "var" / f"bench-{candidates}.sqlite3"))
    return "SQLite " + os.environ["SQLITE_PATH"]
