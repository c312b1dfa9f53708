"""The HTTP control surface: JSON routes under /_sesdesk/ on the simulator's own port, so a
simulator running in another process (`sesdesk simulator`) can be driven. No auth, no latency.

Every body is a JSON object; every answer is JSON. `region` defaults to us-east-1 and
`account_id` to 123456789012 wherever they apply. Errors answer 400/404 {"error": "..."}.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sesdesk.simulator.state import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, InvalidRequest

if TYPE_CHECKING:
    from sesdesk.simulator.server import SesSimulator

PREFIX = "/_sesdesk/"

_Route = Callable[["SesSimulator", dict[str, Any]], Any]


def _where(body: dict[str, Any]) -> dict[str, str]:
    return {
        "region": str(body.get("region") or DEFAULT_REGION),
        "account_id": str(body.get("account_id") or DEFAULT_ACCOUNT_ID),
    }


def _keys(keys: Any) -> dict[str, str]:
    return {"access_key_id": keys.access_key_id, "secret_access_key": keys.secret_access_key}


def _users(sim: SesSimulator, body: dict[str, Any]) -> Any:
    actions = body.get("actions")
    keys = sim.create_user(
        str(body["name"]),
        None if actions is None else [str(a) for a in actions],
        account_id=_where(body)["account_id"],
    )
    return _keys(keys)


def _issue_key(sim: SesSimulator, body: dict[str, Any]) -> Any:
    return _keys(sim.issue_key(str(body["user"]), account_id=_where(body)["account_id"]))


def _revoke_key(sim: SesSimulator, body: dict[str, Any]) -> Any:
    sim.revoke_key(str(body["access_key_id"]))
    return {}


def _permissions(sim: SesSimulator, body: dict[str, Any]) -> Any:
    sim.set_permissions(
        str(body["user"]),
        [str(a) for a in body.get("actions") or []],
        account_id=_where(body)["account_id"],
    )
    return {}


def _identity(sim: SesSimulator, body: dict[str, Any]) -> Any:
    sim.set_identity_status(
        str(body["identity"]),
        str(body["status"]),
        error_type=body.get("error_type"),
        **_where(body),
    )
    return {}


def _identities(sim: SesSimulator, body: dict[str, Any]) -> Any:
    return sim.identities(**_where(body))


def _set_account(sim: SesSimulator, body: dict[str, Any]) -> Any:
    where = _where(body)
    if "production" in body:
        sim.set_production(bool(body["production"]), **where)
    if "review" in body:
        sim.set_review(body["review"], reason=str(body.get("review_reason") or ""), **where)
    if "sending_enabled" in body or "enforcement" in body:
        current = sim.account_status(**where)
        sim.set_sending_enabled(
            bool(body.get("sending_enabled", current["SendingEnabled"])),
            enforcement=str(body.get("enforcement") or "HEALTHY"),
            **where,
        )
    if "max_24h" in body or "max_rate" in body:
        sim.set_quota(max_24h=body.get("max_24h"), max_rate=body.get("max_rate"), **where)
    return sim.account_status(**where)


def _get_account(sim: SesSimulator, body: dict[str, Any]) -> Any:
    return sim.account_status(**_where(body))


def _suppress(sim: SesSimulator, body: dict[str, Any]) -> Any:
    sim.suppress(str(body["email"]), str(body.get("reason") or "BOUNCE"), **_where(body))
    return {}


def _latency(sim: SesSimulator, body: dict[str, Any]) -> Any:
    sim.set_latency(float(body["seconds"]))
    return {"seconds": sim.state.latency}


def _unreachable(sim: SesSimulator, body: dict[str, Any]) -> Any:
    sim.set_unreachable(bool(body["down"]))
    return {"down": sim.state.unreachable}


def _sent(sim: SesSimulator, body: dict[str, Any]) -> Any:
    return [asdict(message) for message in sim.sent_messages()]


def _reset(sim: SesSimulator, body: dict[str, Any]) -> Any:
    sim.reset()
    return {}


def _health(sim: SesSimulator, body: dict[str, Any]) -> Any:
    return {"ok": True, "iam": sim.iam}


def _feedback_outcome(sim: SesSimulator, body: dict[str, Any]) -> Any:
    from sesdesk.simulator import events

    outcome = body.get("outcome")
    events.set_outcome(sim.state, str(body["email"]), None if outcome is None else str(outcome))
    return {}


def _feedback_redeliver(sim: SesSimulator, body: dict[str, Any]) -> Any:
    from sesdesk.simulator import events

    count = body.get("count")
    if count is not None:
        return {"delivered": events.redeliver_some(sim.state, int(count), int(body.get("seed", 0)))}
    return {"delivered": events.redeliver_all(sim.state)}


def _feedback_publish(sim: SesSimulator, body: dict[str, Any]) -> Any:
    from sesdesk.simulator import events

    where = _where(body)
    topic = str(body["topic_arn"])
    ids = [
        events.publish(sim.state, where["account_id"], where["region"], topic, str(message))
        for message in body.get("messages") or []
    ]
    return {"message_ids": ids}


def _feedback_delete_queue(sim: SesSimulator, body: dict[str, Any]) -> Any:
    from sesdesk.simulator import events

    where = _where(body)
    name = str(body.get("name") or "sesdesk-feedback")
    return {"deleted": events.delete_queue(where["account_id"], where["region"], name)}


def _lists_throttle(sim: SesSimulator, body: dict[str, Any]) -> Any:
    from sesdesk.simulator.contact_lists import lists_of

    rate = body.get("per_second")
    lists_of(sim.state).calls_per_second = None if rate is None else float(rate)
    return {"per_second": lists_of(sim.state).calls_per_second}


def _unsubscribe(sim: SesSimulator, body: dict[str, Any]) -> Any:
    if body.get("url"):
        from sesdesk.simulator import list_sending

        return list_sending.unsubscribe_url(sim.state, str(body["url"]))
    topic = body.get("topic")
    return sim.unsubscribe(
        str(body["email"]),
        None if topic is None else str(topic),
        bool(body.get("all", False)),
        **_where(body),
    )


ROUTES: dict[tuple[str, str], _Route] = {
    ("POST", "unsubscribe"): _unsubscribe,
    ("POST", "lists/throttle"): _lists_throttle,
    ("POST", "feedback/outcome"): _feedback_outcome,
    ("POST", "feedback/redeliver"): _feedback_redeliver,
    ("POST", "feedback/publish"): _feedback_publish,
    ("POST", "feedback/delete-queue"): _feedback_delete_queue,
    ("GET", "health"): _health,
    ("POST", "users"): _users,
    ("POST", "keys"): _issue_key,
    ("POST", "keys/revoke"): _revoke_key,
    ("POST", "permissions"): _permissions,
    ("POST", "identity"): _identity,
    ("GET", "identities"): _identities,
    ("POST", "account"): _set_account,
    ("GET", "account"): _get_account,
    ("POST", "suppression"): _suppress,
    ("POST", "latency"): _latency,
    ("POST", "unreachable"): _unreachable,
    ("GET", "sent"): _sent,
    ("POST", "reset"): _reset,
}


def _read_body(environ: dict[str, Any]) -> dict[str, Any]:
    if environ.get("REQUEST_METHOD") == "GET":
        query = parse_qs(str(environ.get("QUERY_STRING") or ""))
        return {key: values[-1] for key, values in query.items()}
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    body = json.loads(raw or b"{}")
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    return body


def handle(sim: SesSimulator, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Serve one control request."""
    method = str(environ.get("REQUEST_METHOD") or "GET")
    name = str(environ.get("PATH_INFO") or "")[len(PREFIX) :].strip("/")
    route = ROUTES.get((method, name))
    status = "200 OK"
    answer: Any
    if route is None:
        status, answer = "404 Not Found", {"error": f"no control route {method} {PREFIX}{name}"}
    else:
        try:
            answer = route(sim, _read_body(environ))
        except KeyError as exc:
            status, answer = "400 Bad Request", {"error": f"missing or unknown: {exc.args[0]}"}
        except (ValueError, TypeError) as exc:
            status, answer = "400 Bad Request", {"error": str(exc)}
    payload = json.dumps(answer).encode("utf-8")
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]
