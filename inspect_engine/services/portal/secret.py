"""The server secret that signs the units' links and their forms' CSRF tokens. It is kept off
the database, so a copy of the database forges no link: `INSPECT_PORTAL_SECRET`, else a file
in the user's data folder, made on first use (readable by its owner only)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from inspect_engine.errors import InputError
from inspect_engine.settings import user_data_dir

SECRET_ENV = "INSPECT_PORTAL_SECRET"
SECRET_FILE = "portal-secret"
MIN_LENGTH = 32


def secret_path() -> Path:
    return user_data_dir() / SECRET_FILE


def portal_secret() -> bytes:
    """The secret: the environment's, else the file's (created with 32 random bytes)."""
    given = os.environ.get(SECRET_ENV)
    if given is not None:
        if len(given) < MIN_LENGTH:
            raise InputError(
                f"{SECRET_ENV} is {len(given)} characters; give at least {MIN_LENGTH} "
                "(e.g. `python3 -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        return given.encode("utf-8")
    path = secret_path()
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once agree on the one that won.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    except OSError as exc:
        message = f"cannot create the portal secret: {exc.strerror}"
        raise InputError(message, source=str(path)) from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32) + "\n")
    return _read(path)


def _read(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the portal secret: {exc}", source=str(path)) from None
    if len(text) < MIN_LENGTH:
        raise InputError(
            f"the portal secret is shorter than {MIN_LENGTH} characters: delete the file to "
            "make a new one (every link issued with it stops working)",
            source=str(path),
        )
    return text.encode("ascii")
