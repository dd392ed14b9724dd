"""Who may change the archive through the app: the login, and when writing is off.

Asking is open to whoever reaches the page. Adding articles and rebuilding write to the disk,
so they are on only where the app is reachable from this machine alone (a loopback address),
or behind a login (``--auth USER:PASSWORD``, Gradio's login page). Otherwise the buttons are
not there, their events are not registered (so no raw queue call can reach them either), and
Gradio's own upload route refuses files.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qa.errors import InvalidArgumentError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class WritePolicy:
    """Whether the page may add articles and rebuild, and why not when it may not."""

    allowed: bool
    reason: str = ""  # shown on the page when ``allowed`` is false


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """``"user:password"`` as a (user, password) pair; None for no login.

    Raises:
        InvalidArgumentError: no colon, or an empty user or password.
    """
    if text is None or text == "":
        return None
    user, colon, password = text.partition(":")
    if not colon or not user or not password:
        raise InvalidArgumentError("--auth (or QA_AUTH) must be USER:PASSWORD, both non-empty")
    return user, password


def is_loopback(host: str) -> bool:
    """True when ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def write_policy(host: str, auth: tuple[str, str] | None) -> WritePolicy:
    """Writing is on behind a login, or on a loopback address; off otherwise."""
    if auth is not None or is_loopback(host):
        return WritePolicy(True)
    return WritePolicy(
        False,
        f"Adding articles and rebuilding are off: the app listens on {host} without a login. "
        "Start it with --auth USER:PASSWORD (or QA_AUTH) to turn them on.",
    )


def refuse_uploads(policy: WritePolicy) -> list[Any]:
    """FastAPI dependencies for the whole app: with writing off, Gradio's upload route
    (which would store files in its cache for anyone) answers 403."""
    if policy.allowed:
        return []
    from fastapi import Depends, HTTPException, Request

    def guard(request: Request) -> None:
        if request.method == "POST" and request.url.path.rstrip("/").endswith("/upload"):
            raise HTTPException(status_code=403, detail=policy.reason)

    # FastAPI reads the annotation to pass the request; under ``from __future__ import
    # annotations`` it is a string naming a local import, so it is given as the class.
    guard.__annotations__ = {"request": Request, "return": None}
    depends: Callable[..., Any] = Depends
    return [depends(guard)]
