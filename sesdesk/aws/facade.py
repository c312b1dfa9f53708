"""What every AWS facade shares: one client factory (one key pair, one region) and calls whose
errors come out classified (`errors.classify`), never as botocore exceptions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

from sesdesk.aws.clients import CallKind, ClientFactory
from sesdesk.aws.errors import classify

T = TypeVar("T")


def listed(call: Callable[..., Any], key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item under `key` of a listing AWS pages with NextToken, one call per page (botocore
    has no paginator for SESv2's ListEmailIdentities, ListContactLists and the like)."""
    while True:
        page = call(**kwargs)
        yield from page.get(key) or []
        token = page.get("NextToken")
        if not token:
            return
        kwargs["NextToken"] = token


class Facade:
    """AWS calls for one mailer (one region, one key pair), every error classified."""

    # Exceptions a call lets through as they are (the facade's own, not AWS's).
    _unclassified: ClassVar[tuple[type[Exception], ...]] = ()

    def __init__(self, factory: ClientFactory) -> None:
        self._factory = factory

    @property
    def region(self) -> str:
        """The region every call goes to."""
        return self._factory.region

    @property
    def factory(self) -> ClientFactory:
        """The client factory (one key pair, one region) behind this facade."""
        return self._factory

    def _client(self, service: str, kind: CallKind) -> Any:
        return self._factory.client(service, kind)

    def _classified(self, exc: Exception, action: str) -> Exception:
        """The error to raise for `exc`, raised by a call of `action`."""
        return classify(exc, action=action)

    def _call(
        self,
        service: str,
        action: str,
        fn: Callable[[Any], T],
        kind: CallKind = CallKind.MANAGEMENT,
    ) -> T:
        """`fn(client)` on the `service` client of `kind`; AWS's errors come out classified."""
        try:
            return fn(self._client(service, kind))
        except self._unclassified:
            raise
        except Exception as exc:
            raise self._classified(exc, action) from None
