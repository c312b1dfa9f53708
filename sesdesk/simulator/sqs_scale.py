"""Patch 12 (sqs): moto's standard SQS queues at the sizes SES feedback reaches.

moto 5.2.5 does O(n) work per message: every ReceiveMessage builds the list of visible
messages and, for each one returned, all queue attributes (counting every message again) just
to read the retention period; every delete rebuilds the message list after scanning all
receipt handles. A queue holding 100,000 events (two weeks of a busy account) then takes
hours to drain. Here, for standard (non-FIFO) queues only: receive scans lazily and stops at
`count`, reads the retention period directly, copies only the message (not its history), and
delete finds its message through an index of receipt handles. What SQS promises is kept:
visibility timeouts, receive counts, redrive to the dead-letter queue, retention, long polls.
"""

from __future__ import annotations

import copy
import threading
import weakref
from typing import Any

_index_lock = threading.Lock()
_queue_lock = threading.RLock()  # receives and deletes on standard queues, one at a time
# queue → {receipt handle: message}; weak so a deleted queue takes its index with it.
_indexes: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _index(queue: Any) -> dict[str, Any]:
    with _index_lock:
        found = _indexes.get(queue)
        if found is None:
            found = {}
            _indexes[queue] = found
        return found


def _receive_once(
    backend: Any, queue: Any, count: int, visibility_timeout: int, names: list[str]
) -> list[Any]:
    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs.models import _filter_message_attributes

    now_ms = unix_time_millis()
    retention = float(queue.message_retention_period or 0)
    redrive = queue.redrive_policy if queue.dead_letter_queue is not None else None
    result: list[Any] = []
    to_dlq: list[Any] = []
    index = _index(queue)
    # No copy of the list: only this lock's holders remove from it (appends are safe).
    for message in queue._messages:
        if not (now_ms > message.visible_at) or now_ms < message.delayed_until:
            continue
        queue.pending_messages.discard(message)
        if redrive and message.approximate_receive_count >= redrive["maxReceiveCount"]:
            to_dlq.append(message)
            continue
        if retention and message.sent_timestamp / 1000 + retention <= unix_time():
            continue
        queue.pending_messages.add(message)
        message.mark_received(visibility_timeout=visibility_timeout)
        index[message.receipt_handle] = message
        returned = copy.copy(message)
        returned.message_attributes = dict(message.message_attributes or {})
        _filter_message_attributes(returned, names)
        result.append(returned)
        if len(result) >= count:
            break
    for message in to_dlq:
        queue._messages.remove(message)
        queue.dead_letter_queue.add_message(message)
    return result


def install() -> None:
    """Replace moto's standard-queue receive and delete with the scaled ones."""
    from moto.core.utils import unix_time
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue, SQSBackend

    original_receive = SQSBackend.receive_message
    original_delete = Queue.delete_message

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        queue = self.get_queue(queue_name)
        if queue.fifo_queue:
            return list(
                original_receive(
                    self,
                    queue_name,
                    count,
                    wait_seconds_timeout,
                    visibility_timeout,
                    message_attribute_names,
                )
            )
        names = list(message_attribute_names or [])
        deadline = unix_time() + (wait_seconds_timeout or 0)
        while True:
            # One receiver at a time: SQS never hands a message to two receivers at once.
            with _queue_lock:
                result = _receive_once(self, queue, count, visibility_timeout, names)
            if result or unix_time() >= deadline:
                return result
            queue.wait_for_messages(1)

    def delete_message(self: Any, receipt_handle: str) -> None:
        if self.fifo_queue:
            return original_delete(self, receipt_handle)  # type: ignore[no-any-return]
        with _queue_lock:
            return _delete(self, receipt_handle)

    def _delete(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return None  # deleting twice is fine, as in SQS
        message = _index(self).pop(receipt_handle, None)
        if message is None or message.receipt_handle != receipt_handle:
            # An older handle, or one this index never saw: moto's own (slow) search.
            return original_delete(self, receipt_handle)  # type: ignore[no-any-return]
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        for handle in message.all_receipt_handles:
            _index(self).pop(handle, None)
        try:
            self._messages.remove(message)
        except ValueError:
            raise ReceiptHandleIsInvalid() from None
        return None

    # setattr: moto looks these up on the classes at call time.
    setattr(SQSBackend, "receive_message", receive_message)  # noqa: B010
    setattr(Queue, "delete_message", delete_message)  # noqa: B010


def enqueue(queue: Any, body: str) -> None:
    """Put one message on a standard queue as SendMessage would, without moto's O(n)
    attribute computation per send (used for SNS's delivery of SES events)."""
    import uuid

    from moto.sqs.models import Message

    message = Message(str(uuid.uuid4()), body, None)
    message.mark_sent(delay_seconds=int(queue.delay_seconds or 0))
    queue.add_message(message)


_TARGET = "AmazonSQS."


def _region_of(environ: dict[str, Any]) -> str | None:
    # "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/sqs/aws4_request, ..."
    auth = str(environ.get("HTTP_AUTHORIZATION") or "")
    marker = "Credential="
    if marker not in auth:
        return None
    parts = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
    return parts[2] if len(parts) >= 4 else None


def answer_directly(
    environ: dict[str, Any], body: bytes
) -> tuple[int, dict[str, str], bytes] | None:
    """SQS ReceiveMessage / DeleteMessageBatch on a standard queue without moto's HTTP layer
    (None: let moto answer). Only without IAM enforcement: moto's path holds the checks.
    Draining 100,000 events is 20,000 of these calls; moto's routing costs more than they do."""
    import hashlib
    import json

    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    action = target[len(_TARGET) :] if target.startswith(_TARGET) else ""
    if action not in ("ReceiveMessage", "DeleteMessageBatch"):
        return None
    region = _region_of(environ)
    try:
        params = json.loads(body or b"{}")
        url = str(params.get("QueueUrl") or "")
        account, name = url.rstrip("/").split("/")[-2:]
    except (ValueError, AttributeError):
        return None
    from moto.sqs.models import sqs_backends

    if region is None or account not in sqs_backends:
        return None
    backend = sqs_backends[account][region]
    queue = backend.queues.get(name)
    if queue is None or queue.fifo_queue:
        return None  # moto answers: the error, or FIFO semantics
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if action == "DeleteMessageBatch":
        entries = params.get("Entries") or []
        if not entries:
            return None
        done: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for entry in entries:
            try:
                queue.delete_message(str(entry["ReceiptHandle"]))
                done.append({"Id": entry["Id"]})
            except Exception:
                failed.append(
                    {
                        "Id": entry.get("Id"),
                        "SenderFault": True,
                        "Code": "ReceiptHandleIsInvalid",
                        "Message": "The input receipt handle is invalid.",
                    }
                )
        return 200, headers, json.dumps({"Successful": done, "Failed": failed}).encode()
    count = int(params.get("MaxNumberOfMessages") or 1)
    wait = params.get("WaitTimeSeconds")
    wait = (
        int(getattr(queue, "receive_message_wait_time_seconds", 0) or 0)
        if wait is None
        else int(wait)
    )
    visibility = params.get("VisibilityTimeout")
    visibility = int(getattr(queue, "visibility_timeout", 30) if visibility is None else visibility)
    if not 1 <= count <= 10 or not 0 <= wait <= 20:
        return None  # moto's validation and error
    messages = backend.receive_message(name, count, wait, visibility, [])
    out = []
    for message in messages:
        text = str(message.body)
        out.append(
            {
                "MessageId": message.id,
                "ReceiptHandle": message.receipt_handle,
                "MD5OfBody": hashlib.md5(text.encode()).hexdigest(),  # SQS checks the body with MD5
                "Body": text,
                "Attributes": {
                    "ApproximateReceiveCount": str(message.approximate_receive_count),
                    "SentTimestamp": str(message.sent_timestamp),
                },
            }
        )
    return 200, headers, json.dumps({"Messages": out} if out else {}).encode()
