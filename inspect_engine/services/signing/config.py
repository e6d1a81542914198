"""The signing configuration: a TOML file of its own that names the key files, the tokens and
where their secrets are, never the secrets themselves (docs/signing.md).

Why not the campaign file: keys belong to the people and the office that sign, on the machine
that signs, not to one campaign; a campaign file is stored in the database and travels with it.
The file is found through `--signing FILE` or `INSPECT_SIGNING_CONFIG`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_engine.domain.toml_source import TomlSource
from inspect_engine.errors import InputError

ENV_VAR = "INSPECT_SIGNING_CONFIG"
ROLES = ("signer", "organisation")
# A Sở's round seal is 35-40 mm across; the real size of the configured seal is what counts.
DEFAULT_SEAL_MM = 36.0
_SOURCE_KEYS = {"pkcs12", "passphrase_env", "passphrase_file", "pkcs11", "image", "size_mm"}
_PKCS11_KEYS = {"module", "slot", "token_label", "key_label", "cert_label", "pin_env", "pin_file"}


@dataclass(frozen=True)
class Pkcs11Source:
    """A key on a PKCS#11 token (a USB token, an HSM): the module, which token, which key."""

    module: Path
    slot: int | None = None
    token_label: str | None = None
    key_label: str | None = None
    cert_label: str | None = None
    pin_env: str | None = None
    pin_file: Path | None = None


@dataclass(frozen=True)
class KeySource:
    """Where one role's key and certificate come from, and the image its signature shows."""

    role: str  # "signer" (người có thẩm quyền ký) or "organisation" (cơ quan ban hành)
    pkcs12: Path | None = None
    passphrase_env: str | None = None
    passphrase_file: Path | None = None
    pkcs11: Pkcs11Source | None = None
    image: Path | None = None  # a transparent PNG; drawn from the letter when absent
    size_mm: float | None = None  # the organisation's seal: its real diameter


@dataclass(frozen=True)
class SigningConfig:
    """Both roles' key sources and the trust roots `notices verify` uses by default. Plain
    values (paths and names), so that it travels to the rendering processes as it is."""

    source: Path
    signer: KeySource
    organisation: KeySource
    trust_roots: tuple[Path, ...] = ()

    @property
    def seal_mm(self) -> float:
        return self.organisation.size_mm or DEFAULT_SEAL_MM

    @property
    def uses_token(self) -> bool:
        return self.signer.pkcs11 is not None or self.organisation.pkcs11 is not None


def config_path(given: Path | None) -> Path | None:
    """`--signing FILE`, else `INSPECT_SIGNING_CONFIG`, else none (PDFs stay unsigned)."""
    if given is not None:
        return given
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value) if value else None


def load_config(path: Path) -> SigningConfig:
    """Read and check a signing file; paths in it are relative to the file's folder."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read signing configuration: {exc.strerror}", source=str(path)
        ) from None
    except UnicodeDecodeError:
        raise InputError("the signing configuration is not UTF-8", source=str(path)) from None
    doc = TomlSource(text, str(path))
    unknown = set(doc.data) - {*ROLES, "trust"}
    if unknown:
        name = sorted(unknown)[0]
        raise doc.error(
            name, f"unknown table or key {name!r}; expected signer, organisation, trust"
        )
    base = path.parent
    sources = {role: _key_source(doc, role, base) for role in ROLES}
    trust = doc.data.get("trust", {})
    if not isinstance(trust, dict) or set(trust) - {"roots"}:
        raise doc.error("trust", '[trust] takes one key, roots = ["CA.pem", ...]')
    roots = trust.get("roots", [])
    if not isinstance(roots, list) or not all(isinstance(r, str) and r for r in roots):
        raise doc.error("trust.roots", "roots must be a list of certificate files (PEM or DER)")
    return SigningConfig(
        source=path,
        signer=sources["signer"],
        organisation=sources["organisation"],
        trust_roots=tuple(base / r for r in roots),
    )


def _key_source(doc: TomlSource, role: str, base: Path) -> KeySource:
    table = doc.data.get(role)
    if not isinstance(table, dict):
        raise doc.error(role, f"missing [{role}] table: where the {role}'s key comes from")
    unknown = set(table) - _SOURCE_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise doc.error(f"{role}.{name}", f"unknown key {name!r} in [{role}]")
    has_file, has_token = "pkcs12" in table, "pkcs11" in table
    if has_file == has_token:
        raise doc.error(
            role, f'[{role}] needs exactly one of pkcs12 = "FILE.p12" or [{role}.pkcs11]'
        )
    if has_file and "passphrase_env" in table and "passphrase_file" in table:
        raise doc.error(
            f"{role}.passphrase_env", "give passphrase_env or passphrase_file, not both"
        )
    size = table.get("size_mm")
    if size is not None and (not isinstance(size, int | float) or not 20 <= size <= 60):
        raise doc.error(f"{role}.size_mm", "size_mm is the seal's diameter in mm, 20 to 60")
    return KeySource(
        role=role,
        pkcs12=base / _text(doc, table, role, "pkcs12") if has_file else None,
        passphrase_env=_optional(doc, table, role, "passphrase_env"),
        passphrase_file=_path(doc, table, role, "passphrase_file", base),
        pkcs11=_pkcs11(doc, table["pkcs11"], role, base) if has_token else None,
        image=_path(doc, table, role, "image", base),
        size_mm=float(size) if size is not None else None,
    )


def _pkcs11(doc: TomlSource, table: Any, role: str, base: Path) -> Pkcs11Source:
    field = f"{role}.pkcs11"
    if not isinstance(table, dict):
        raise doc.error(field, f"[{field}] must be a table: module, token_label, key_label, ...")
    unknown = set(table) - _PKCS11_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise doc.error(f"{field}.{name}", f"unknown key {name!r} in [{field}]")
    slot = table.get("slot")
    if slot is not None and (not isinstance(slot, int) or isinstance(slot, bool) or slot < 0):
        raise doc.error(f"{field}.slot", "slot must be a slot number (0, 1, ...)")
    if not any(k in table for k in ("key_label", "cert_label")):
        raise doc.error(field, f"[{field}] needs key_label or cert_label to find the key")
    if "pin_env" in table and "pin_file" in table:
        raise doc.error(f"{field}.pin_env", "give pin_env or pin_file, not both")
    return Pkcs11Source(
        module=Path(_text(doc, table, field, "module")),
        slot=slot,
        token_label=_optional(doc, table, field, "token_label"),
        key_label=_optional(doc, table, field, "key_label"),
        cert_label=_optional(doc, table, field, "cert_label"),
        pin_env=_optional(doc, table, field, "pin_env"),
        pin_file=_path(doc, table, field, "pin_file", base),
    )


def _text(doc: TomlSource, table: dict[str, Any], where: str, key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise doc.error(f"{where}.{key}", f"{key} must be a non-empty string")
    return value.strip()


def _optional(doc: TomlSource, table: dict[str, Any], where: str, key: str) -> str | None:
    return _text(doc, table, where, key) if key in table else None


def _path(doc: TomlSource, table: dict[str, Any], where: str, key: str, base: Path) -> Path | None:
    value = _optional(doc, table, where, key)
    return base / value if value is not None else None
