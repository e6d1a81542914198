"""Opening a role's key: a PKCS#12 file and its passphrase, or a key on a PKCS#11 token and
its PIN. Each process opens a key once and keeps it (the rendering pool signs hundreds of
letters per process)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from inspect_engine.errors import InputError
from inspect_engine.services.signing.config import KeySource, Pkcs11Source, SigningConfig


@dataclass(frozen=True)
class OpenedKey:
    """A role's signer (pyHanko's) and what its certificate says."""

    role: str
    signer: Signer
    certificate: asn1_x509.Certificate

    @property
    def common_name(self) -> str:
        return str(self.certificate.subject.native.get("common_name", ""))

    @property
    def organisation(self) -> str:
        return str(self.certificate.subject.native.get("organization_name", ""))

    def check_valid_at(self, moment: datetime, config: Path) -> None:
        validity = self.certificate["tbs_certificate"]["validity"]
        start, end = validity["not_before"].native, validity["not_after"].native
        if not start <= moment <= end:
            raise InputError(
                f"the {self.role}'s certificate ({self.common_name}) is valid from "
                f"{start:%d/%m/%Y} to {end:%d/%m/%Y}, not at {moment:%d/%m/%Y %H:%M}",
                source=str(config),
                field=self.role,
            )


def open_keys(config: SigningConfig) -> tuple[OpenedKey, OpenedKey]:
    """The signer's and the organisation's keys, opened (once per process)."""
    return open_key(config.signer, config.source), open_key(config.organisation, config.source)


def open_key(source: KeySource, config: Path) -> OpenedKey:
    """The key, opened once per process for as long as its file is unchanged (the demo makes
    new keys under the same names)."""
    stamp = None
    if source.pkcs12 is not None and source.pkcs12.exists():
        stat = source.pkcs12.stat()
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    token = source.pkcs11
    if token is not None:
        _require_pkcs11(source.role, config)
        pin = secret(token.pin_env, token.pin_file, config, source.role, what="PIN")
        return _open_key(source, config, stamp, pin)
    return _open_key(
        source,
        config,
        stamp,
        secret(source.passphrase_env, source.passphrase_file, config, source.role),
    )


@cache
def _open_key(source: KeySource, config: Path, stamp: object, secret: bytes | None) -> OpenedKey:
    if source.pkcs11 is not None:
        return _open_token(source.role, source.pkcs11, config, secret)
    assert source.pkcs12 is not None
    return _open_pkcs12(source, source.pkcs12, config, secret)


class _KeyInMemory(SimpleSigner):
    """pyHanko's SimpleSigner parses the private key again for every signature (40 ms for an
    RSA key); this one keeps the parsed key."""

    def __init__(self, key: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(self._key, EllipticCurvePrivateKey):
            return self._key.sign(data, ECDSA(hash_algorithm))
        return bytes(super().sign_raw(data, digest_algorithm))


def _open_pkcs12(
    source: KeySource, path: Path, config: Path, passphrase: bytes | None
) -> OpenedKey:
    where = f"{source.role}.pkcs12"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror}", source=str(config), field=where
        ) from None
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError:
        raise InputError(
            f"cannot open {path}: wrong passphrase, or not a PKCS#12 file",
            source=str(config),
            field=where,
        ) from None
    if key is None or cert is None:
        raise InputError(f"{path} holds no private key with its certificate", source=str(config))
    certificate = translate_pyca_cryptography_cert_to_asn1(cert)
    store = SimpleCertificateStore()
    store.register_multiple([translate_pyca_cryptography_cert_to_asn1(c) for c in others])
    signer = _KeyInMemory(
        key,
        signing_cert=certificate,
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=store,
    )
    return OpenedKey(source.role, signer, certificate)


def _open_token(role: str, token: Pkcs11Source, config: Path, pin: bytes | None) -> OpenedKey:
    """A key on a PKCS#11 token through pyHanko (python-pkcs11 must be installed: the
    `pkcs11` extra). The session stays open for the life of the process."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    criteria = TokenCriteria(label=token.token_label) if token.token_label else None
    try:
        session = open_pkcs11_session(
            str(token.module),
            slot_no=token.slot,
            token_criteria=criteria,
            user_pin=pin.decode("utf-8") if pin is not None else None,
        )
        signer = PKCS11Signer(session, cert_label=token.cert_label, key_label=token.key_label)
        certificate = signer.signing_cert
    except Exception as exc:  # the token's own errors: no token, wrong PIN, no such key
        raise InputError(
            f"cannot use the PKCS#11 token ({token.module}): {exc}",
            source=str(config),
            field=f"{role}.pkcs11",
        ) from None
    return OpenedKey(role, signer, certificate)


def _require_pkcs11(role: str, config: Path) -> None:
    from importlib.util import find_spec

    if find_spec("pkcs11") is None:  # python-pkcs11, which pyHanko's PKCS#11 signer drives
        raise InputError(
            "a PKCS#11 token needs python-pkcs11: pip install 'inspect-engine[pkcs11]'",
            source=str(config),
            field=f"{role}.pkcs11",
        )


def secret(
    env: str | None, file: Path | None, config: Path, role: str, *, what: str = "passphrase"
) -> bytes | None:
    """A passphrase or PIN from an environment variable or a file (its first line), never
    from the configuration itself; None when neither is named (an unprotected key)."""
    if env is not None:
        value = os.environ.get(env)
        if value is None:
            raise InputError(
                f"the {role}'s {what} is to come from ${env}, which is not set",
                source=str(config),
                field=role,
            )
        return value.encode("utf-8")
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(
                f"cannot read {file}: {exc.strerror}", source=str(config), field=role
            ) from None
        except UnicodeDecodeError:
            raise InputError(
                f"{file} is not a text file holding the {role}'s {what}",
                source=str(config),
                field=role,
            ) from None
        return (lines[0] if lines else "").encode("utf-8")
    return None
