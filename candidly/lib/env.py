"""Typed readers for settings that come from environment variables."""

import os
from urllib.parse import parse_qsl, unquote, urlsplit


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn `postgres://user:pass@host:port/name?sslmode=require` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL must start with postgres:// (got {parts.scheme}://)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": {
            # Parameters bound on the server, and statements prepared after five runs: the
            # server then keeps each query's plan instead of planning it on every request.
            # `?prepare_threshold=none` for a pooler that cannot keep prepared statements.
            "server_side_binding": True,
            "prepare_threshold": 5,
            **{key: _option(value) for key, value in parse_qsl(parts.query)},
        },
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }


def _option(value: str):
    """Query-string options as the driver wants them: true/false/none, numbers, else text."""
    words = {"true": True, "false": False, "none": None}
    if value.lower() in words:
        return words[value.lower()]
    return int(value) if value.isdigit() else value
