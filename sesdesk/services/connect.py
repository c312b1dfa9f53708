"""Connect a team to SES, reconnect it after lost access, delete its mailer.

The wizard and the CLI call these; both get step-by-step progress through a callback (called
from whatever thread runs the service; the window marshals it to the GUI thread). Nothing is
stored unless the keys pass the whole check. Secrets go to the OS keyring only.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from enum import Enum

from sqlalchemy import select

from sesdesk.aws import keychain
from sesdesk.aws.clients import AwsKeys
from sesdesk.aws.credentials import (
    CheckProgress,
    CredentialReport,
    PermissionsLacking,
    ProgressCallback,
    check_credentials,
    clean_region,
    input_problems,
)
from sesdesk.aws.errors import AuthError, AwsNotFound
from sesdesk.aws.ses import CallerIdentity
from sesdesk.errors import BadInput, CredentialsRejected, NotAllowed, NotFound, SesdeskError
from sesdesk.models import AccountStatus, SenderIdentity, Store, record_event, utcnow
from sesdesk.models.states import MailerAccess
from sesdesk.services.identity_status import retire_identity
from sesdesk.services.mailers import (
    mailer_row,
    open_mailer,
    save_mailer,
    set_access,
    watching_access,
)
from sesdesk.services.refresh import refresh_team

log = logging.getLogger(__name__)

STEP_SAVE = "save"
STEP_REFRESH = "refresh"
STEP_DELETE = "delete"


def _quiet(_: CheckProgress) -> None:
    return None


@dataclass(frozen=True)
class ConnectResult:
    """What a connect or reconnect did."""

    report: CredentialReport
    region: str
    key_last4: str
    refreshed: bool
    refresh_error: str | None = None

    @property
    def account_id(self) -> str:
        """The AWS account the mailer now talks to."""
        return self.report.caller.account_id


@dataclass(frozen=True)
class DeleteResult:
    """What deleting a mailer removed."""

    account_id: str
    deleted_identities: tuple[str, ...] = ()
    already_gone: tuple[str, ...] = ()
    kept_identities: tuple[str, ...] = field(default_factory=tuple)


def _mailer_facts(store: Store, team_id: int) -> tuple[str, str, str, str] | None:
    """(account_id, region, keyring_ref, access) of the team's mailer, or None."""
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        if mailer is None:
            return None
        return mailer.account_id, mailer.region, mailer.keyring_ref, mailer.access


def _refresh_once(store: Store, team_id: int, progress: ProgressCallback) -> str | None:
    """One refresh so status shows the account at once; its failure does not undo anything."""
    progress(CheckProgress(STEP_REFRESH, "running", "Reading the account's status from SES…"))
    try:
        refresh_team(store, team_id)
    except SesdeskError as exc:
        log.info("first refresh after connecting failed: %s", exc.message)
        progress(CheckProgress(STEP_REFRESH, "failed", exc.message))
        return exc.message
    progress(CheckProgress(STEP_REFRESH, "done", "Account status read"))
    return None


def validate_connect_input(region: str | None, key_id: str, secret: str) -> AwsKeys:
    """Trimmed keys, or BadInput naming the first bad field; no network."""
    problems = input_problems(region, key_id, secret)
    labels = {
        "region": "region",
        "access_key_id": "access key id",
        "secret_access_key": "secret access key",
    }
    for name, problem in problems.items():
        raise BadInput(labels[name], problem)
    return AwsKeys(key_id.strip(), secret.strip())


def connect(
    store: Store,
    team_id: int,
    region: str,
    keys: AwsKeys,
    *,
    progress: ProgressCallback | None = None,
    endpoint: str | None = None,
) -> ConnectResult:
    """Check the keys and, if they pass, give the team its mailer (then refresh once).

    BadInput for malformed input (before any network call), NotAllowed when the team already
    has a mailer, CredentialsRejected for refused keys or missing permissions (nothing stored),
    ServiceUnreachable when AWS cannot be reached.
    """
    report_progress = progress or _quiet
    region = clean_region(region)
    keys = validate_connect_input(None, keys.access_key_id, keys.secret_access_key)
    if _mailer_facts(store, team_id) is not None:
        raise NotAllowed(
            "This team already has a mailer: one mailer per team.",
            hint="Use `sesdesk reconnect` for new keys, or create a new team for another account.",
        )
    keychain.require_keyring()  # fail before asking AWS, not after the user waited
    report = check_credentials(keys, region, progress=report_progress, endpoint=endpoint)
    if not report.ok:
        raise report.rejection()
    report_progress(CheckProgress(STEP_SAVE, "running", "Storing the secret in the keyring…"))
    save_mailer(store, team_id, region=region, keys=keys, caller=report.caller)
    report_progress(CheckProgress(STEP_SAVE, "done", "Mailer saved"))
    result = _result(report, region, keys, _refresh_once(store, team_id, report_progress))
    if result.refreshed:
        # Bounces and complaints flow back from the first send on, when the keys allow it.
        from sesdesk.aws.feedback import FeedbackFacade
        from sesdesk.services.feedback.wiring import try_set_up_at_connect

        try_set_up_at_connect(store, team_id, FeedbackFacade(open_mailer(store, team_id).factory))
    return result


def _result(
    report: CredentialReport, region: str, keys: AwsKeys, refresh_error: str | None
) -> ConnectResult:
    """What connect and reconnect answer once the keys are saved and one refresh was tried."""
    return ConnectResult(
        report=report,
        region=region,
        key_last4=keys.last_four,
        refreshed=refresh_error is None,
        refresh_error=refresh_error,
    )


def account_mismatch(expected: str, found: str) -> CredentialsRejected:
    """The refusal for keys of another AWS account on reconnect."""
    return CredentialsRejected(
        f"These keys belong to AWS account {found}, but this mailer belongs to account "
        f"{expected}. Its sender identities, quota and history are in account {expected}.",
        hint=f"Reconnect with keys of account {expected}, or create a new team for account "
        f"{found}. Nothing was changed.",
    )


def reconnect(
    store: Store,
    team_id: int,
    keys: AwsKeys,
    *,
    progress: ProgressCallback | None = None,
    endpoint: str | None = None,
) -> ConnectResult:
    """Give an existing mailer new keys of the same AWS account; every record is kept.

    On success the keyring secret is replaced, the key's last four updated and the lost state
    cleared (recorded in the history).
    """
    report_progress = progress or _quiet
    keys = validate_connect_input(None, keys.access_key_id, keys.secret_access_key)
    facts = _mailer_facts(store, team_id)
    if facts is None:
        raise NotAllowed(
            "This team has no mailer to reconnect.",
            hint="Connect AWS first: sesdesk connect --team NAME --region REGION",
        )
    account_id, region, _, _ = facts
    keychain.require_keyring()

    def same_account(caller: CallerIdentity) -> None:
        if caller.account_id != account_id:
            raise account_mismatch(account_id, caller.account_id)

    report = check_credentials(
        keys, region, progress=report_progress, endpoint=endpoint, on_identity=same_account
    )
    if not report.ok:
        raise report.rejection()
    report_progress(CheckProgress(STEP_SAVE, "running", "Replacing the secret in the keyring…"))
    _replace_keys(store, team_id, keys, report)
    report_progress(CheckProgress(STEP_SAVE, "done", "New keys saved"))
    return _result(report, region, keys, _refresh_once(store, team_id, report_progress))


def _replace_keys(store: Store, team_id: int, keys: AwsKeys, report: CredentialReport) -> None:
    # New entry first, row second, old entry last: at every moment the row names a secret
    # that exists, so a crash never leaves the mailer without keys.
    # Records shared with other desktops: each keeps its own keys under the row's one ref in
    # its own keyring, so the ref stays and this desktop's entry is replaced in place.
    shared_ref = _shared_ref(store, team_id) if store.is_shared else None
    new_ref = shared_ref or uuid.uuid4().hex
    keychain.save_keys(new_ref, keys)
    now = utcnow()
    try:
        with store.session() as session:
            mailer = mailer_row(session, team_id)
            if mailer is None:
                raise NotAllowed("This team's mailer was deleted meanwhile.")
            old_ref = mailer.keyring_ref
            message = (
                f"Reconnected with new keys (key …{keys.last_four}) for account "
                f"{mailer.account_id}."
            )
            set_access(session, mailer, MailerAccess.OK, message, now)
            mailer.keyring_ref = new_ref
            mailer.key_last4 = keys.last_four
            mailer.arn = report.caller.arn
            mailer.is_root = report.caller.is_root
            mailer.offline_since = None
            mailer.last_checked = now
    except BaseException:
        if shared_ref is None:
            keychain.delete_keys(new_ref)
        raise
    if old_ref != new_ref:
        keychain.delete_keys(old_ref)


def _shared_ref(store: Store, team_id: int) -> str | None:
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        return mailer.keyring_ref if mailer is not None else None


def delete_mailer(
    store: Store,
    team_id: int,
    *,
    delete_identities: bool = False,
    progress: ProgressCallback | None = None,
) -> DeleteResult:
    """Remove the team's mailer row and its keyring secret; the history stays.

    With `delete_identities`, first delete the team's sender identities in SES — only while the
    keys still work: if they do not, nothing at all is deleted (CredentialsRejected).
    """
    report_progress = progress or _quiet
    facts = _mailer_facts(store, team_id)
    if facts is None:
        raise NotFound("team", "this team has no mailer to delete")
    account_id, _region, ref, _ = facts
    with store.session() as session:
        names = list(
            session.scalars(
                select(SenderIdentity.name).where(
                    SenderIdentity.team_id == team_id, SenderIdentity.removed_at.is_(None)
                )
            )
        )
    deleted: list[str] = []
    gone: list[str] = []
    if delete_identities and names:
        try:
            facade = open_mailer(store, team_id)
        except CredentialsRejected as exc:
            raise CredentialsRejected(
                "The mailer's keys are missing from the keyring, so sesdesk cannot delete its "
                "identities in SES. Nothing was deleted.",
                hint="Delete the mailer without deleting identities, or reconnect first.",
            ) from exc
        report_progress(CheckProgress(STEP_DELETE, "running", "Checking that the keys still work…"))
        try:
            with watching_access(store, team_id):
                facade.caller_identity()
                facade.list_identities()
        except AuthError:
            raise CredentialsRejected(
                "The mailer's keys no longer work, so sesdesk cannot delete its identities in "
                "SES. Nothing was deleted.",
                hint="Delete the mailer without deleting identities (remove them in the SES "
                "console), or reconnect first.",
            ) from None
        for name in names:
            report_progress(CheckProgress(STEP_DELETE, "running", f"Deleting {name} in SES…"))
            try:
                with watching_access(store, team_id):
                    facade.delete_identity(name)
                deleted.append(name)
            except AwsNotFound:
                gone.append(name)
    now = utcnow()
    with store.session() as session:
        mailer = mailer_row(session, team_id)
        if mailer is None:
            raise NotFound("team", "this team has no mailer to delete")
        for row in session.scalars(
            select(SenderIdentity).where(
                SenderIdentity.team_id == team_id, SenderIdentity.removed_at.is_(None)
            )
        ):
            where = "deleted in SES" if row.name in deleted or row.name in gone else "kept in SES"
            retire_identity(
                session,
                row,
                "REMOVED",
                f"Sender identity {row.name} removed with the mailer ({where}).",
                at=now,
            )
        account = session.scalar(select(AccountStatus).where(AccountStatus.team_id == team_id))
        if account is not None:
            session.delete(account)
        record_event(
            session,
            team_id,
            "mailer",
            "access",
            mailer.access,
            None,
            f"Mailer for AWS account {mailer.account_id} in {mailer.region} deleted "
            f"(key …{mailer.key_last4}).",
            at=now,
        )
        session.delete(mailer)
    keychain.delete_keys(ref)
    report_progress(CheckProgress(STEP_DELETE, "done", "Mailer deleted"))
    kept = tuple(n for n in names if n not in deleted and n not in gone)
    return DeleteResult(
        account_id=account_id,
        deleted_identities=tuple(deleted),
        already_gone=tuple(gone),
        kept_identities=kept,
    )


class WizardStep(Enum):
    """The connect wizard's pages, decided by `next_step` (no Qt)."""

    KEYS = "keys"
    CHECK = "check"
    MISSING = "missing"
    DONE = "done"


@dataclass
class ConnectFlow:
    """The wizard's state machine: what was typed, what the check found, where to go next."""

    team_id: int
    reconnect: bool = False
    region: str | None = None
    expected_account: str | None = None
    problems: dict[str, str] = field(default_factory=dict)
    result: ConnectResult | None = None
    failure: SesdeskError | None = None

    def set_input(self, region: str | None, key_id: str, secret: str) -> dict[str, str]:
        """Record the typed input; return field → problem (empty: Next may be pressed)."""
        self.problems = input_problems(None if self.reconnect else region, key_id, secret)
        if not self.reconnect:
            self.region = region
        return self.problems

    def finished(self, result: ConnectResult | None, failure: SesdeskError | None) -> None:
        """Record how the check-and-save step ended."""
        self.result, self.failure = result, failure

    @property
    def missing_actions(self) -> tuple[str, ...]:
        """Actions the keys lack (from the failure), if that is why it failed."""
        if isinstance(self.failure, PermissionsLacking):
            return tuple(self.failure.missing_actions)
        return ()

    def next_step(self, current: WizardStep) -> WizardStep:
        """The page after `current`."""
        if current is WizardStep.KEYS:
            return WizardStep.CHECK
        if current is WizardStep.CHECK:
            if self.result is not None:
                return WizardStep.DONE
            if self.missing_actions:
                return WizardStep.MISSING
            return WizardStep.CHECK
        return WizardStep.DONE
