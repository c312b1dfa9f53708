"""boto3 client factory: region, keys from the keyring, short timeouts, a retry policy per
call kind. Honours AWS_ENDPOINT_URL and boto3's other standard settings, which is how demo mode
and the tests point everything at the local simulator."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


@dataclass(frozen=True)
class AwsKeys:
    """An access key pair. `repr` never shows the secret."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    @property
    def last_four(self) -> str:
        """The last four characters of the key id: all the database ever keeps."""
        return self.access_key_id[-4:]


class CallKind(Enum):
    """How a call may be retried. Sends are never retried by botocore (we classify ourselves)."""

    MANAGEMENT = "management"  # reads and writes of settings: a few standard retries
    CHECK = "check"  # credential checks: fail fast, the user is waiting
    SEND = "send"  # SendEmail: max_attempts=1, a timeout is an *uncertain* send
    FEEDBACK = "feedback"  # SQS long polls: long read timeout


_POLICIES: dict[CallKind, dict[str, Any]] = {
    CallKind.MANAGEMENT: {"connect": 5, "read": 15, "attempts": 3, "pool": 10},
    CallKind.CHECK: {"connect": 5, "read": 10, "attempts": 2, "pool": 10},
    CallKind.SEND: {"connect": 5, "read": 20, "attempts": 1, "pool": 64},
    CallKind.FEEDBACK: {"connect": 5, "read": 30, "attempts": 2, "pool": 8},
}


def endpoint_url() -> str | None:
    """The endpoint override from the environment, as boto3 reads it (None for real AWS)."""
    return os.environ.get("AWS_ENDPOINT_URL") or None


class ClientFactory:
    """Builds and caches boto3 clients for one region and one key pair.

    boto3 sessions are not thread-safe but clients are: clients are created under a lock and
    then shared by every thread.
    """

    def __init__(
        self,
        region: str,
        keys: AwsKeys | None,
        *,
        endpoint: str | None = None,
        timeout_scale: float = 1.0,
    ) -> None:
        self.region = region
        self._keys = keys
        self._endpoint = endpoint if endpoint is not None else endpoint_url()
        self._timeout_scale = timeout_scale
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, CallKind], Any] = {}
        self._session: Any = None

    @property
    def endpoint(self) -> str | None:
        """The endpoint URL in use, or None for AWS itself."""
        return self._endpoint

    def client(self, service: str, kind: CallKind = CallKind.MANAGEMENT) -> Any:
        """A cached boto3 client for `service` with the retry policy of `kind`."""
        key = (service, kind)
        with self._lock:
            cached = self._clients.get(key)
            if cached is None:
                cached = self._make(service, kind)
                self._clients[key] = cached
            return cached

    def _make(self, service: str, kind: CallKind) -> Any:
        import boto3
        from botocore.config import Config

        if self._session is None:
            if self._keys is None:
                self._session = boto3.session.Session(region_name=self.region)
            else:
                self._session = boto3.session.Session(
                    aws_access_key_id=self._keys.access_key_id,
                    aws_secret_access_key=self._keys.secret_access_key,
                    aws_session_token=self._keys.session_token,
                    region_name=self.region,
                )
        policy = _POLICIES[kind]
        config = Config(
            region_name=self.region,
            # Sends are built by sesdesk from validated input; botocore re-validating every
            # request costs CPU that pacing at 200 recipients a second cannot spare.
            parameter_validation=kind is not CallKind.SEND,
            connect_timeout=policy["connect"] * self._timeout_scale,
            read_timeout=policy["read"] * self._timeout_scale,
            retries={"total_max_attempts": policy["attempts"], "mode": "standard"},
            max_pool_connections=policy["pool"],
            user_agent_extra="sesdesk",
        )
        kwargs: dict[str, Any] = {"config": config}
        if self._endpoint:
            kwargs["endpoint_url"] = self._endpoint
        return self._session.client(service, **kwargs)
