"""SES feedback: the wiring each team's mailer uses, every event received (for de-duplication
and as evidence), each recipient's outcome, per-broadcast guard state and per-team settings.

An event row is written in the same transaction as its effects (outcome, suppression,
counters); only after that commit is its SQS message deleted. `dedupe_key` is derived from
the SES event itself (type, feedbackId or message id, recipient, timestamp), so a copy that
SNS or SQS delivers again — or that arrives with and without the SNS envelope — changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sesdesk.models.base import Base, utcnow

DELIVERED = "delivered"
BOUNCED = "bounced"
COMPLAINED = "complained"
REJECTED = "rejected"
DELAYED = "delayed"
OUTCOMES = (DELAYED, DELIVERED, REJECTED, BOUNCED, COMPLAINED)


class FeedbackWiring(Base):
    """The configuration set → SNS topic → SQS queue that carries one team's SES events."""

    __tablename__ = "feedback_wiring"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(32))
    configuration_set: Mapped[str | None] = mapped_column(String(64))
    topic_arn: Mapped[str | None] = mapped_column(String(300))
    queue_url: Mapped[str | None] = mapped_column(String(500))
    queue_arn: Mapped[str | None] = mapped_column(String(300))
    dlq_url: Mapped[str | None] = mapped_column(String(500))
    # JSON list of problem codes found by the last check ("feedback_broken: …").
    problems: Mapped[str | None] = mapped_column(Text)
    waiting: Mapped[int | None] = mapped_column(Integer)
    set_up_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    last_drained: Mapped[datetime | None]
    processed: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    unrecognised: Mapped[int] = mapped_column(Integer, default=0)
    # SES's own reputation metrics as last read from CloudWatch (None: not readable).
    ses_bounce_rate: Mapped[float | None] = mapped_column(Float)
    ses_complaint_rate: Mapped[float | None] = mapped_column(Float)
    reputation_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"FeedbackWiring(team_id={self.team_id!r}, region={self.region!r})"


class FeedbackSettings(Base):
    """Per-team thresholds: when a broadcast pauses itself and when soft bounces suppress."""

    __tablename__ = "feedback_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    pause_bounce_rate: Mapped[float] = mapped_column(Float, default=0.05)
    pause_complaint_rate: Mapped[float] = mapped_column(Float, default=0.001)
    pause_min_outcomes: Mapped[int] = mapped_column(Integer, default=100)
    transient_limit: Mapped[int] = mapped_column(Integer, default=3)
    transient_days: Mapped[int] = mapped_column(Integer, default=30)

    def __repr__(self) -> str:
        return f"FeedbackSettings(team_id={self.team_id!r})"


class FeedbackEvent(Base):
    """One SES event (or one unrecognised message, kept with its body) as received."""

    __tablename__ = "feedback_event"
    __table_args__ = (
        Index("ix_feedback_event_team_id_email_lower", "team_id", "email_lower"),
        Index("ix_feedback_event_recipient_id", "recipient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    sns_message_id: Mapped[str | None] = mapped_column(String(100))
    # Send, Delivery, Bounce, …; "unrecognised" for a message we could not read.
    event_type: Mapped[str] = mapped_column(String(32))
    recognised: Mapped[bool] = mapped_column(Boolean, default=True)
    email_lower: Mapped[str | None] = mapped_column(String(320))
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipient.id", ondelete="SET NULL")
    )
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcast.id", ondelete="SET NULL")
    )
    ses_message_id: Mapped[str | None] = mapped_column(String(200))
    bounce_type: Mapped[str | None] = mapped_column(String(32))
    bounce_subtype: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The message body, kept only when it could not be understood.
    raw: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"FeedbackEvent(id={self.id!r}, type={self.event_type!r})"


class RecipientOutcome(Base):
    """What SES says happened to one recipient after it accepted the send."""

    __tablename__ = "recipient_outcome"
    __table_args__ = (Index("ix_recipient_outcome_broadcast_id", "broadcast_id"),)

    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("recipient.id", ondelete="CASCADE"), primary_key=True
    )
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    # The headline: the worst thing known (complained > bounced > rejected > delivered > delayed).
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    hard_bounce: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    complained_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"RecipientOutcome(recipient_id={self.recipient_id!r}, outcome={self.outcome!r})"


class BroadcastGuard(Base):
    """The reputation guard's memory for one broadcast: outcomes already judged and accepted
    by the user when they resumed after the guard paused it."""

    __tablename__ = "broadcast_guard"

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcast.id", ondelete="CASCADE"), primary_key=True
    )
    tripped: Mapped[bool] = mapped_column(Boolean, default=False)
    base_outcomes: Mapped[int] = mapped_column(Integer, default=0)
    base_hard_bounces: Mapped[int] = mapped_column(Integer, default=0)
    base_complaints: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"BroadcastGuard(broadcast_id={self.broadcast_id!r}, tripped={self.tripped!r})"
