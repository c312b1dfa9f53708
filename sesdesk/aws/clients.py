"""boto3 client factory: region, the mailer's own keys, short timeouts, a retry policy per call
kind. Honours AWS_ENDPOINT_URL and boto3's other non-credential settings, which is how demo mode
and the tests point everything at the local simulator.

It never signs with anything but the keys it was given: boto3's default credential chain (the
environment's AWS_ACCESS_KEY_ID, AWS_PROFILE, ~/.aws/credentials, a config file's
credential_process, container or instance metadata) may hold another AWS account's keys.
"""

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


# botocore session variables that would let the machine's AWS configuration in: no profile
# (AWS_PROFILE, AWS_DEFAULT_PROFILE), no config or shared-credentials file (~/.aws/…, or
# AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE). Each is (config key, env var, default, convert).
_ISOLATED_SESSION_VARS: dict[str, tuple[Any, Any, Any, Any]] = {
    "profile": (None, None, None, None),
    "config_file": (None, None, os.devnull, None),
    "credentials_file": (None, None, os.devnull, None),
}


def isolated_session(keys: AwsKeys, region: str) -> Any:
    """A boto3 session that signs with `keys` and nothing else, whatever the machine holds."""
    import boto3
    import botocore.session
    from botocore.credentials import CredentialResolver

    core = botocore.session.Session(session_vars=_ISOLATED_SESSION_VARS)
    # Explicit keys bypass the resolver; an empty one makes sure nothing else is ever found.
    core.register_component("credential_provider", CredentialResolver(providers=[]))
    return boto3.session.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        aws_session_token=keys.session_token,
        region_name=region,
        botocore_session=core,
    )


class ClientFactory:
    """Builds and caches boto3 clients for one region and one key pair (required).

    boto3 sessions are not thread-safe but clients are: clients are created under a lock and
    then shared by every thread.
    """

    def __init__(
        self,
        region: str,
        keys: AwsKeys,
        *,
        endpoint: str | None = None,
        timeout_scale: float = 1.0,
    ) -> None:
        if not isinstance(keys, AwsKeys) or not keys.access_key_id or not keys.secret_access_key:
            # Without keys boto3 would look for the machine's own credentials.
            raise TypeError("ClientFactory needs the mailer's own AwsKeys")
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
        from botocore.config import Config

        if self._session is None:
            self._session = isolated_session(self._keys, self.region)
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
