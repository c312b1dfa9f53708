"""The credential check: are these keys well-formed, whose are they, may they do what sesdesk
needs?

1. Format, before any network call: key id, secret, region (`clean_keys`, `input_problems`).
2. STS GetCallerIdentity: account id and ARN; a warning for root-account keys.
3. Permissions, from the one table in `permissions.py`: IAM's policy simulator
   (iam:SimulatePrincipalPolicy on the user itself) when the keys may call it, otherwise
   side-effect-free probe calls. Actions that cannot be probed without changing the account are
   reported as *not checked*, never as allowed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sesdesk.aws.clients import AwsKeys, CallKind, ClientFactory
from sesdesk.aws.errors import AuthError, KeysRejected, PermissionMissing, classify
from sesdesk.aws.feedback import FEEDBACK_NAME
from sesdesk.aws.permissions import Permission, checked_permissions
from sesdesk.aws.ses import CallerIdentity, SesFacade
from sesdesk.errors import BadInput, CredentialsRejected, ServiceUnreachable

# Regions where SES (v2) is offered, with the names the AWS console uses.
SES_REGIONS: tuple[tuple[str, str], ...] = (
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("mx-central-1", "Mexico (Central)"),
    ("sa-east-1", "South America (São Paulo)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("me-central-1", "Middle East (UAE)"),
    ("af-south-1", "Africa (Cape Town)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-east-2", "Asia Pacific (Taipei)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)"),
    ("ap-southeast-5", "Asia Pacific (Malaysia)"),
    ("ap-southeast-6", "Asia Pacific (New Zealand)"),
    ("ap-southeast-7", "Asia Pacific (Thailand)"),
)
SES_REGION_CODES = frozenset(code for code, _ in SES_REGIONS)
DEFAULT_REGION = "us-east-1"

KEY_ID_RE = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9/+=]{40}$")

ROOT_WARNING = (
    "These are the AWS account's root keys. AWS advises never to use root keys in an "
    "application: create an IAM user, attach the sesdesk policy, and use that user's keys."
)


def default_region(environ: dict[str, str] | None = None) -> str:
    """AWS_DEFAULT_REGION (or AWS_REGION) when it is an SES region, else us-east-1."""
    import os

    env = os.environ if environ is None else environ
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        value = (env.get(name) or "").strip()
        if value in SES_REGION_CODES:
            return value
    return DEFAULT_REGION


def region_problem(region: str) -> str | None:
    """Why `region` is not usable, or None."""
    region = region.strip()
    if not region:
        return "choose the AWS region your SES account is in"
    if region not in SES_REGION_CODES:
        return f"{region!r} is not a region where Amazon SES is offered"
    return None


def key_id_problem(key_id: str) -> str | None:
    """Why `key_id` is not an access key id, or None. Never echoes the value."""
    key_id = key_id.strip()
    if not key_id:
        return "enter the access key id (it starts with AKIA)"
    if not KEY_ID_RE.match(key_id):
        if key_id.upper() == key_id and len(key_id) != 20:
            return f"an access key id is 20 characters long (this one has {len(key_id)})"
        return "an access key id is 20 capital letters and digits starting with AKIA or ASIA"
    return None


def secret_problem(secret: str) -> str | None:
    """Why `secret` is not a secret access key, or None. Never echoes the value."""
    secret = secret.strip()
    if not secret:
        return "enter the secret access key"
    if len(secret) != 40:
        return f"a secret access key is 40 characters long (this one has {len(secret)})"
    if not SECRET_RE.match(secret):
        return "a secret access key holds only letters, digits and / + ="
    return None


def input_problems(region: str | None, key_id: str, secret: str) -> dict[str, str]:
    """Field → problem for everything wrong with the input (empty when it is all fine).

    `region` None skips the region (reconnect keeps the mailer's region).
    """
    problems: dict[str, str] = {}
    if region is not None and (why := region_problem(region)):
        problems["region"] = why
    if why := key_id_problem(key_id):
        problems["access_key_id"] = why
    if why := secret_problem(secret):
        problems["secret_access_key"] = why
    return problems


def clean_keys(key_id: str, secret: str) -> AwsKeys:
    """The key pair trimmed and format-checked, or BadInput naming the field."""
    if why := key_id_problem(key_id):
        raise BadInput("access key id", why)
    if why := secret_problem(secret):
        raise BadInput("secret access key", why)
    return AwsKeys(key_id.strip(), secret.strip())


def clean_region(region: str) -> str:
    """The region trimmed and checked, or BadInput."""
    if why := region_problem(region):
        raise BadInput("region", why)
    return region.strip()


# --- the report -------------------------------------------------------------------------


class PermissionVerdict(Enum):
    """What the check learned about one action."""

    ALLOWED = "allowed"
    MISSING = "missing"
    UNVERIFIED = "not checked"


@dataclass(frozen=True)
class ActionCheck:
    """The outcome for one action of the table."""

    action: str
    verdict: PermissionVerdict
    why: str  # what sesdesk uses the action for
    note: str = ""  # how it was decided, or why it could not be


METHOD_SIMULATOR = "iam-simulator"
METHOD_PROBES = "probes"


@dataclass(frozen=True)
class CredentialReport:
    """Who the keys belong to and which of sesdesk's actions they may perform."""

    caller: CallerIdentity
    region: str
    method: str  # METHOD_SIMULATOR | METHOD_PROBES
    checks: tuple[ActionCheck, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def missing(self) -> tuple[str, ...]:
        """Actions the keys may definitely not perform."""
        return tuple(c.action for c in self.checks if c.verdict is PermissionVerdict.MISSING)

    @property
    def unverified(self) -> tuple[str, ...]:
        """Actions that could not be checked without side effects."""
        return tuple(c.action for c in self.checks if c.verdict is PermissionVerdict.UNVERIFIED)

    @property
    def ok(self) -> bool:
        """True when nothing is known to be missing."""
        return not self.missing

    def rejection(self) -> PermissionsLacking:
        """The error that rejects these keys for their missing permissions."""
        rows = {c.action: c for c in self.checks}
        lines = [f"  {a} — {rows[a].why}" for a in self.missing]
        return PermissionsLacking(
            self,
            f"The AWS keys work (account {self.caller.account_id}) but lack "
            f"{len(self.missing)} permission{'s' if len(self.missing) != 1 else ''} "
            "sesdesk needs:\n" + "\n".join(lines),
            missing_actions=self.missing,
            hint="Attach the sesdesk IAM policy to the user (print it with `sesdesk policy`), "
            "then connect again. Nothing was stored.",
        )


class PermissionsLacking(CredentialsRejected):
    """The keys work but lack actions sesdesk needs (exit 4); `report` has the details."""

    def __init__(
        self,
        report: CredentialReport,
        message: str,
        *,
        missing_actions: tuple[str, ...],
        hint: str = "",
    ) -> None:
        super().__init__(message, missing_actions=missing_actions, hint=hint)
        self.report = report


class KeysNotAccepted(CredentialsRejected):
    """AWS refused the keys themselves (exit 4); `field` is the input to fix."""

    def __init__(self, message: str, *, field: str, code: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.field = field
        self.code = code


# --- progress ---------------------------------------------------------------------------

STEP_IDENTITY = "identity"
STEP_PERMISSIONS = "permissions"


@dataclass(frozen=True)
class CheckProgress:
    """One step of the check, for the wizard's live list and the CLI's progress lines."""

    step: str  # STEP_IDENTITY | STEP_PERMISSIONS | a service-level step name
    state: str  # "running" | "done" | "failed"
    message: str
    action: str | None = None
    verdict: PermissionVerdict | None = None


ProgressCallback = Callable[[CheckProgress], None]


def _no_progress(_: CheckProgress) -> None:
    return None


# --- STS --------------------------------------------------------------------------------

_KEYS_EXPLAINED = {
    "InvalidClientTokenId": "AWS does not know this access key id: it may have been deleted, "
    "or it belongs to another partition. Check the key id, or create a new access key.",
    "UnrecognizedClientException": "AWS does not know this access key id. Check it, or create "
    "a new access key.",
    "InvalidAccessKeyId": "AWS does not know this access key id. Check it, or create a new "
    "access key.",
    "SignatureDoesNotMatch": "The secret access key does not match the access key id. Paste "
    "the secret again (it is shown only once, when the key is created).",
    "ExpiredToken": "These are temporary keys and they have expired. Use an IAM user's "
    "long-term access key.",
    "ExpiredTokenException": "These are temporary keys and they have expired. Use an IAM "
    "user's long-term access key.",
}


def explain_rejection(error: AuthError) -> KeysNotAccepted:
    """A plain explanation of why AWS refused the keys themselves (exit 4)."""
    text = _KEYS_EXPLAINED.get(
        error.code, f"AWS refused these keys ({error.code or 'access denied'})."
    )
    field_name = "secret_access_key" if error.code == "SignatureDoesNotMatch" else "access_key_id"
    return KeysNotAccepted(text, field=field_name, code=error.code, hint="Nothing was stored.")


def caller_identity(facade: SesFacade) -> CallerIdentity:
    """STS GetCallerIdentity; unknown key / wrong secret become a plain CredentialsRejected."""
    try:
        return facade.caller_identity(kind=CallKind.CHECK)
    except KeysRejected as exc:
        raise explain_rejection(exc) from None
    except PermissionMissing as exc:
        # GetCallerIdentity needs no permission; a denial here means the keys are blocked
        # (e.g. AWS's compromised-key quarantine).
        raise explain_rejection(exc) from None


# --- permissions ------------------------------------------------------------------------


def _policy_source_arn(caller: CallerIdentity) -> str | None:
    """The IAM principal the simulator can evaluate: a user, or the role behind a session."""
    arn = caller.arn
    if caller.is_root:
        return None
    if ":assumed-role/" in arn:
        head, _, tail = arn.partition(":assumed-role/")
        role = tail.split("/", 1)[0]
        return head.replace(":sts:", ":iam:") + f":role/{role}"
    if ":user/" in arn or ":role/" in arn:
        return arn
    return None


def _simulate(
    factory: ClientFactory, caller: CallerIdentity, rows: tuple[Permission, ...]
) -> dict[str, str] | None:
    """Action → EvalDecision from IAM's policy simulator, or None when it cannot be used."""
    source = _policy_source_arn(caller)
    if source is None:
        return None
    try:
        client = factory.client("iam", CallKind.CHECK)
        decisions: dict[str, str] = {}
        kwargs: dict[str, Any] = {
            "PolicySourceArn": source,
            "ActionNames": [row.action for row in rows],
        }
        while True:
            reply = client.simulate_principal_policy(**kwargs)
            for result in reply.get("EvaluationResults", []):
                decisions[str(result["EvalActionName"])] = str(result["EvalDecision"])
            if not reply.get("IsTruncated"):
                break
            kwargs["Marker"] = reply["Marker"]
    except Exception:
        # Denied, not offered, or unreachable: the probes will tell (or fail loudly).
        return None
    if not all(row.action in decisions for row in rows):
        return None
    return decisions


def _probe_name() -> str:
    # A name under the reserved .invalid TLD, unique per check: it cannot exist in SES.
    return f"sesdesk-permission-check-{uuid.uuid4().hex[:12]}.invalid"


def _probe_calls(factory: ClientFactory, caller: CallerIdentity) -> dict[str, Callable[[], Any]]:
    region = factory.region
    account = caller.account_id
    partition = caller.arn.split(":", 2)[1] if caller.arn.count(":") >= 2 else "aws"
    name = _probe_name()
    # Inside the names sesdesk's policy scopes its topic and queues to (and never sesdesk's
    # own: the suffix is unique).
    feedback = f"{FEEDBACK_NAME}-{name.replace('.', '-')}"
    topic = f"arn:{partition}:sns:{region}:{account}:{feedback}"
    queue_url = f"https://sqs.{region}.amazonaws.com/{account}/{feedback}"

    def ses() -> Any:
        return factory.client("sesv2", CallKind.CHECK)

    def sns() -> Any:
        return factory.client("sns", CallKind.CHECK)

    def sqs() -> Any:
        return factory.client("sqs", CallKind.CHECK)

    # Each reads, or targets a resource that cannot exist: nothing in the account changes.
    return {
        "caller_identity": lambda: None,
        "get_account": lambda: ses().get_account(),
        "list_identities": lambda: ses().list_email_identities(PageSize=1),
        "get_identity": lambda: ses().get_email_identity(EmailIdentity=name),
        "delete_identity": lambda: ses().delete_email_identity(EmailIdentity=name),
        "list_suppressed": lambda: ses().list_suppressed_destinations(PageSize=1),
        "get_suppressed": lambda: ses().get_suppressed_destination(EmailAddress=f"nobody@{name}"),
        "delete_suppressed": lambda: ses().delete_suppressed_destination(
            EmailAddress=f"nobody@{name}"
        ),
        "sns_get_topic_attributes": lambda: sns().get_topic_attributes(TopicArn=topic),
        "sns_subscribe": lambda: sns().subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=f"arn:{partition}:sqs:{region}:{account}:x"
        ),
        "sqs_get_queue_attributes": lambda: sqs().get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"]
        ),
        "sqs_set_queue_attributes": lambda: sqs().set_queue_attributes(
            QueueUrl=queue_url, Attributes={"ReceiveMessageWaitTimeSeconds": "20"}
        ),
        "sqs_receive_message": lambda: sqs().receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=0
        ),
        "sqs_delete_message": lambda: sqs().delete_message(
            QueueUrl=queue_url, ReceiptHandle="sesdesk-permission-check"
        ),
    }


def _probe(row: Permission, call: Callable[[], Any]) -> ActionCheck:
    """Run one probe; AccessDenied means missing, any answer past authorisation means allowed."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as exc:
        error = exc.response.get("Error", {}) or {}
        code = str(error.get("Code", "") or "")
        status = int((exc.response.get("ResponseMetadata", {}) or {}).get("HTTPStatusCode", 0))
        classified = classify(exc, action=row.action)
        if isinstance(classified, PermissionMissing):
            return ActionCheck(
                row.action, PermissionVerdict.MISSING, row.why, "AWS denied the call"
            )
        if isinstance(classified, KeysRejected):
            raise explain_rejection(classified) from None
        if isinstance(classified, ServiceUnreachable) or status >= 500:
            raise classified from None
        if not code or code == str(status):
            # No AWS error code: the endpoint does not offer this call at all.
            return ActionCheck(
                row.action,
                PermissionVerdict.UNVERIFIED,
                row.why,
                "the service did not answer this call",
            )
        # "Not found" for a made-up resource: AWS authorised the call before looking.
        return ActionCheck(row.action, PermissionVerdict.ALLOWED, row.why, f"probe answered {code}")
    except Exception as exc:
        raise classify(exc, action=row.action) from None
    return ActionCheck(row.action, PermissionVerdict.ALLOWED, row.why, "probe succeeded")


def check_permissions(
    factory: ClientFactory,
    caller: CallerIdentity,
    progress: ProgressCallback = _no_progress,
) -> tuple[str, tuple[ActionCheck, ...]]:
    """(method, one ActionCheck per required action of the table)."""
    rows = checked_permissions()
    progress(CheckProgress(STEP_PERMISSIONS, "running", f"Checking {len(rows)} permissions…"))
    decisions = _simulate(factory, caller, rows)
    checks: list[ActionCheck] = []
    if decisions is not None:
        method = METHOD_SIMULATOR
        for row in rows:
            allowed = decisions[row.action] == "allowed"
            checks.append(
                ActionCheck(
                    row.action,
                    PermissionVerdict.ALLOWED if allowed else PermissionVerdict.MISSING,
                    row.why,
                    f"IAM policy simulator: {decisions[row.action]}",
                )
            )
            _report_action(progress, checks[-1])
    else:
        method = METHOD_PROBES
        calls = _probe_calls(factory, caller)
        for row in rows:
            if row.action == "sts:GetCallerIdentity":
                check = ActionCheck(
                    row.action, PermissionVerdict.ALLOWED, row.why, "answered above"
                )
            elif row.probe is None:
                check = ActionCheck(
                    row.action,
                    PermissionVerdict.UNVERIFIED,
                    row.why,
                    "cannot be checked without changing the account; allow "
                    "iam:SimulatePrincipalPolicy for an exact check",
                )
            else:
                check = _probe(row, calls[row.probe])
            checks.append(check)
            _report_action(progress, check)
    missing = sum(1 for c in checks if c.verdict is PermissionVerdict.MISSING)
    progress(
        CheckProgress(
            STEP_PERMISSIONS,
            "failed" if missing else "done",
            f"{missing} permission{'s' if missing != 1 else ''} missing"
            if missing
            else "All checked permissions are allowed",
        )
    )
    return method, tuple(checks)


def _report_action(progress: ProgressCallback, check: ActionCheck) -> None:
    progress(
        CheckProgress(
            STEP_PERMISSIONS,
            "running",
            f"{check.action}: {check.verdict.value}",
            action=check.action,
            verdict=check.verdict,
        )
    )


def check_credentials(
    keys: AwsKeys,
    region: str,
    *,
    progress: ProgressCallback | None = None,
    endpoint: str | None = None,
    factory: ClientFactory | None = None,
    on_identity: Callable[[CallerIdentity], None] | None = None,
) -> CredentialReport:
    """Ask AWS who the keys belong to and what they may do. Raises CredentialsRejected when AWS
    refuses the keys themselves and ServiceUnreachable when AWS cannot be reached; missing
    permissions are *reported* (see `CredentialReport.missing`), not raised. `on_identity` sees
    the caller first and may raise CredentialsRejected to stop there."""
    report_progress = progress or _no_progress
    region = clean_region(region)
    factory = factory or ClientFactory(region, keys, endpoint=endpoint)
    report_progress(CheckProgress(STEP_IDENTITY, "running", "Asking AWS who these keys belong to…"))
    try:
        caller = caller_identity(SesFacade(factory))
    except CredentialsRejected as exc:
        report_progress(CheckProgress(STEP_IDENTITY, "failed", exc.message))
        raise
    except ServiceUnreachable as exc:
        report_progress(CheckProgress(STEP_IDENTITY, "failed", exc.message))
        raise
    if on_identity is not None:
        # The caller may refuse the principal (e.g. another account on reconnect) before the
        # permission check spends a dozen calls.
        try:
            on_identity(caller)
        except CredentialsRejected as exc:
            report_progress(CheckProgress(STEP_IDENTITY, "failed", exc.message))
            raise
    warnings = (ROOT_WARNING,) if caller.is_root else ()
    report_progress(
        CheckProgress(STEP_IDENTITY, "done", f"Account {caller.account_id} — {caller.arn}")
    )
    method, checks = check_permissions(factory, caller, report_progress)
    return CredentialReport(
        caller=caller, region=region, method=method, checks=checks, warnings=warnings
    )
