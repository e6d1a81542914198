"""The demo's own certificates: a demo CA and, issued by it, the signer's and the
organisation's keys (PKCS#12), their passphrases in files beside them, the seal and signature
images drawn from the campaign's issuer, and the signing configuration naming them.

Made once per folder and reused while they still fit the issuer and stay valid. The CA's key
is not kept: nothing else is ever issued by it. None of this is for real use: a real
deployment's certificates come from its certification authority (for state agencies, the
Government Cipher Committee's CA) and their passphrases from the environment or secret files.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from inspect_engine.documents import signature_images as images
from inspect_engine.domain.campaign.model import Issuer
from inspect_engine.services.signing.config import DEFAULT_SEAL_MM, SigningConfig, load_config

CONFIG = "signing.toml"
CA_NAME = "inspect-engine demo CA (not for real use)"
DEMO_FROM = datetime(2020, 1, 1, tzinfo=UTC)  # before any demo campaign's first letter
_YEARS = 10


def ensure_demo_signing(
    folder: Path, issuer: Issuer, *, now: datetime | None = None
) -> SigningConfig:
    """The demo's signing configuration under `folder` (made if missing, stale or for another
    issuer): `signing.toml`, `ca.pem`, `signer.p12`, `organisation.p12` with their `.pass`
    files, `chu-ky.png` and `dau.png`."""
    moment = now or datetime.now(UTC)
    path = folder / CONFIG
    if path.exists() and _still_fits(folder, issuer, moment):
        return load_config(path)
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificate(_name(CA_NAME), ca_key, ca_key, None, moment, authority=True)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    subjects = {
        "signer": _name(issuer.signer_name, issuer.body, issuer.place),
        "organisation": _name(issuer.body, issuer.parent_body, issuer.place),
    }
    for role, subject in subjects.items():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _certificate(subject, key, ca_key, ca, moment, authority=False)
        passphrase = secrets.token_urlsafe(18)
        _private(folder / f"{role}.pass", (passphrase + "\n").encode("ascii"))
        bundle = pkcs12.serialize_key_and_certificates(
            role.encode("ascii"), key, cert, [ca],
            serialization.BestAvailableEncryption(passphrase.encode("ascii")),
        )  # fmt: skip
        _private(folder / f"{role}.p12", bundle)
    (folder / "chu-ky.png").write_bytes(images.signature_png(issuer.signer_name))
    seal = images.seal_png(issuer.parent_body or issuer.body, issuer.body, DEFAULT_SEAL_MM)
    (folder / "dau.png").write_bytes(seal)
    path.write_text(_CONFIG_TEXT, encoding="utf-8")
    return load_config(path)


_CONFIG_TEXT = f"""\
# The demo's signing configuration (docs/signing.md). Made by `inspect-engine demo`: the keys
# are issued by a demo CA and are not for real use. A real configuration keeps its
# passphrases in the environment (passphrase_env) or in secret files outside the repository.

[signer]                      # người có thẩm quyền ký
pkcs12 = "signer.p12"
passphrase_file = "signer.pass"
image = "chu-ky.png"          # chữ ký: blue, transparent PNG

[organisation]                # cơ quan ban hành
pkcs12 = "organisation.p12"
passphrase_file = "organisation.pass"
image = "dau.png"             # dấu: red, transparent PNG, drawn at its real size
size_mm = {DEFAULT_SEAL_MM:g}

[trust]                       # what `notices verify` trusts when no --trust is given
roots = ["ca.pem"]
"""


def _name(common: str, organisation: str = "", place: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if place:
        parts.append(x509.NameAttribute(NameOID.LOCALITY_NAME, place))
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(parts)


def _certificate(
    subject: x509.Name, key: rsa.RSAPrivateKey, issuer_key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None, now: datetime, *, authority: bool,
) -> x509.Certificate:  # fmt: skip
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(DEMO_FROM, now))
        .not_valid_after(now + timedelta(days=365 * _YEARS))
        .add_extension(x509.BasicConstraints(ca=authority, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not authority,
                content_commitment=not authority,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=authority,
                crl_sign=authority,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _private(path: Path, data: bytes) -> None:
    """A key or passphrase file only its owner may read."""
    path.write_bytes(data)
    os.chmod(path, 0o600)


def _still_fits(folder: Path, issuer: Issuer, now: datetime) -> bool:
    """The folder's certificates name this issuer and stay valid another year."""
    try:
        found = {}
        for role in ("signer", "organisation"):
            passphrase = (folder / f"{role}.pass").read_text("ascii").strip().encode("ascii")
            _, cert, _ = pkcs12.load_key_and_certificates(
                (folder / f"{role}.p12").read_bytes(), passphrase
            )
            if cert is None or cert.not_valid_after_utc < now + timedelta(days=365):
                return False
            found[role] = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    except (OSError, ValueError, IndexError):
        return False
    return found == {"signer": issuer.signer_name, "organisation": issuer.body}
