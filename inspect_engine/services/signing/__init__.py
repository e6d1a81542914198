"""Signed PDFs (PAdES, Decree 30/2020/NĐ-CP): the configuration naming the keys (`config`),
opening them (`keys`), signing a rendered letter (`pdf_signing`), checking a signed file
(`verify`) and the demo's own certificates (`demo`). docs/signing.md explains it all."""
