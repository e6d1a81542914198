"""A test PKI built with `cryptography`: a root CA issuing the signer's and the organisation's
certificates, and another root with a look-alike signer, for the signing tests. Nothing of the
engine's own certificate code is used, so a mistake there cannot hide here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

SIGNER = "Nguyễn Văn An"
ORGANISATION = "Sở Nội vụ"
PARENT = "UBND thành phố Hà Nội"
VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2035, 1, 1, tzinfo=UTC)


def name(common: str, organisation: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(parts)


@dataclass
class Authority:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(
        self, subject: x509.Name, *, until: datetime = VALID_TO
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(VALID_FROM)
            .not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        return key, cert


def root(common: str) -> Authority:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(common))
        .issuer_name(name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_TO)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key, cert)


def p12(key: rsa.RSAPrivateKey, cert: x509.Certificate, ca: Authority, passphrase: bytes) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"key", key, cert, [ca.cert], serialization.BestAvailableEncryption(passphrase)
    )


@dataclass
class Pki:
    folder: Path
    ca: Authority
    other_ca: Authority
    config: Path  # signing.toml: signer and organisation from `ca`
    other_config: Path  # the same names, issued by `other_ca`
    ca_pem: Path
    other_ca_pem: Path


SIGNER_PASSPHRASE_ENV = "INSPECT_TEST_SIGNER_PASSPHRASE"


def build(folder: Path) -> Pki:
    """Both configurations under `folder`: the signer's passphrase in an environment variable
    (set by the fixture), the organisation's in a file."""
    ca, other = root("Test Root CA"), root("Other Root CA")
    (folder / "ca.pem").write_bytes(ca.pem())
    (folder / "other-ca.pem").write_bytes(other.pem())
    configs = []
    for tag, authority in (("", ca), ("other-", other)):
        signer_key, signer_cert = authority.issue(name(SIGNER, ORGANISATION))
        org_key, org_cert = authority.issue(name(ORGANISATION, PARENT))
        (folder / f"{tag}signer.p12").write_bytes(
            p12(signer_key, signer_cert, authority, b"s3cret")
        )
        (folder / f"{tag}organisation.p12").write_bytes(
            p12(org_key, org_cert, authority, b"org-pass")
        )
        (folder / f"{tag}organisation.pass").write_text("org-pass\n", encoding="utf-8")
        config = folder / f"{tag}signing.toml"
        config.write_text(
            f"""[signer]
pkcs12 = "{tag}signer.p12"
passphrase_env = "{SIGNER_PASSPHRASE_ENV}"

[organisation]
pkcs12 = "{tag}organisation.p12"
passphrase_file = "{tag}organisation.pass"

[trust]
roots = ["{tag}ca.pem"]
""",
            encoding="utf-8",
        )
        configs.append(config)
    return Pki(
        folder, ca, other, configs[0], configs[1], folder / "ca.pem", folder / "other-ca.pem"
    )


def with_config(folder: Path, text: str, name: str = "custom.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def expired_config(pki: Pki) -> Path:
    """A signer whose certificate ended in 2025."""
    key, cert = pki.ca.issue(name(SIGNER, ORGANISATION), until=datetime(2025, 6, 1, tzinfo=UTC))
    (pki.folder / "expired.p12").write_bytes(p12(key, cert, pki.ca, b"s3cret"))
    return with_config(
        pki.folder,
        pki.config.read_text(encoding="utf-8").replace('"signer.p12"', '"expired.p12"'),
        "expired.toml",
    )
