"""Getting a run of rendering ready to sign: the keys opened and checked once, before any
file is written (a wrong passphrase or someone else's certificate is bad input, exit 2, with
nothing written), and the signing request of each document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from inspect_engine.domain.documents.letter import Letter
from inspect_engine.errors import InputError
from inspect_engine.services.signing.config import SigningConfig, config_path, load_config
from inspect_engine.services.signing.keys import OpenedKey, open_keys
from inspect_engine.services.signing.pdf_signing import (
    SignRequest,
    check_signer,
    check_signer_name,
    why_unsigned,
)

UNSIGNED_NOTICE = (
    "PDFs are written unsigned: no signing configuration "
    "(--signing FILE or INSPECT_SIGNING_CONFIG; docs/signing.md)"
)


@dataclass(frozen=True)
class Signing:
    """A signing configuration whose keys opened, and the time documents are signed at
    (unless the caller says otherwise per document)."""

    config: SigningConfig
    at: datetime
    signer: OpenedKey
    organisation: OpenedKey

    def check_campaign_signer(self, key: str, signer_name: str) -> None:
        """The campaign's letters name `signer_name`: refuse a certificate of someone else
        before anything is issued or written."""
        check_signer_name(signer_name, f"campaign {key}", self.signer, self.config)

    def request(
        self, content: Mapping[str, Any], *, draft: bool = False, at: datetime | None = None
    ) -> SignRequest | None:
        """How to sign this stored letter, or None when it is not signed (a Biên bản). A
        draft awaiting its number is signed by the signer alone."""
        letter = Letter.from_json(content)
        if why_unsigned(letter) is not None:
            return None
        moment = at or self.at
        check_signer(letter, self.signer, self.config)
        self.signer.check_valid_at(moment, self.config.source)
        if not draft:
            self.organisation.check_valid_at(moment, self.config.source)
        return SignRequest(self.config, moment, organisation=not draft)


def prepare(config: SigningConfig, at: datetime) -> Signing:
    """Open both keys, check that they are valid at `at` and that the configured images are
    PNG (in this process: errors surface here, not in a rendering process halfway through)."""
    if at.tzinfo is None:
        raise ValueError("the signing time must be aware")
    signer, organisation = open_keys(config)
    for key in (signer, organisation):
        key.check_valid_at(at, config.source)
    for source in (config.signer, config.organisation):
        if source.image is not None:
            _check_png(source.image, config.source, f"{source.role}.image")
    return Signing(config, at, signer, organisation)


def from_option(given: Path | None, at: datetime) -> Signing | None:
    """The signing of a command: `--signing FILE`, else INSPECT_SIGNING_CONFIG, else none."""
    path = config_path(given)
    if path is None:
        return None
    return prepare(load_config(path), at)


def _check_png(path: Path, config: Path, field: str) -> None:
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror}", source=str(config), field=field
        ) from None
    if head != b"\x89PNG\r\n\x1a\n":
        raise InputError(
            f"{path} is not a PNG (Decree 30 asks for a transparent PNG)",
            source=str(config),
            field=field,
        )
