"""DIAN electronic documents: a 10-line POS document built (UBL 2.1), signed
(XAdES-EPES with a throw-away 2048-bit RSA certificate made here) and validated
against the UBL 2.1 schemas, end to end. Needs the schemas (kiosk/fiscal/schemas.py
says where they are looked for); without them the figure is reported as missing."""

from __future__ import annotations

from typing import Any

from kiosk.bench import BenchContext, percentile, probe, timed_ms

ROUNDS = 60


@probe("dian")
def dian(ctx: BenchContext) -> dict[str, Any]:
    from kiosk.fiscal.demo_certificate import throwaway_identity
    from kiosk.fiscal.engine import build_signed
    from kiosk.fiscal.errors import SchemaUnavailable
    from kiosk.fiscal.samples import sample_document
    from kiosk.fiscal.schemas import UblValidator
    from kiosk.fiscal.xades import XadesSigner

    try:
        validator = UblValidator.find()
    except SchemaUnavailable as exc:
        return {"dian_build_sign_p95_ms": None, "dian_schemas": str(exc)}
    signer = XadesSigner(throwaway_identity())
    documents = [sample_document(lines=10, number=1000 + i) for i in range(ROUNDS)]
    build_signed(documents[0], signer, validator=validator)  # schemas loaded before timing
    samples = [timed_ms(lambda d=d: build_signed(d, signer, validator=validator)) for d in documents]
    return {"dian_build_sign_p50_ms": round(percentile(samples, 50), 2),
            "dian_build_sign_p95_ms": round(percentile(samples, 95), 2)}
