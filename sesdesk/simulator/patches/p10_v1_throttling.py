"""10. SES v1 "Throttling" is serialized without moto's unknown-error-shape warning."""

from __future__ import annotations


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
    from moto.core import errors

    # SES v1 answers Throttling for rate and quota, but botocore's SES model has no such error
    # shape, and moto warns about codes it cannot find (a warning is an error in our tests).
    if "Throttling" not in errors.COMMON_ERROR_CODES:
        errors.COMMON_ERROR_CODES.append("Throttling")
