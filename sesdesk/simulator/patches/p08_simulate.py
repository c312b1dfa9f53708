"""8. IAM SimulatePrincipalPolicy, evaluated with moto's own policy code."""

from __future__ import annotations

from typing import Any

from sesdesk.simulator.patches.base import _replace, iam_backend


def evaluate_user_actions(
    account_id: str,
    user_name: str,
    actions: list[str],
    resources: list[str] | None = None,
    extra_policies: list[str] | None = None,
) -> list[dict[str, Any]]:
    """IAM's EvaluationResults for a user, computed with moto's own policy evaluation."""
    from moto.iam.access_control import IAMPolicy, IAMUserAccessKey, PermissionResult

    backend = iam_backend(account_id)
    backend.get_user(user_name)  # NoSuchEntity if there is no such user
    # Reuse moto's policy collection (inline, attached, groups) without needing a key.
    principal = object.__new__(IAMUserAccessKey)
    principal.account_id = account_id
    principal.partition = "aws"
    principal._owner_user_name = user_name
    policies: list[Any] = list(principal.collect_policies()) + list(extra_policies or [])
    results = []
    for action in actions:
        for resource in resources or ["*"]:
            decision = "implicitDeny"
            for policy in policies:
                outcome = IAMPolicy(policy).is_action_permitted(action, resource)
                if outcome == PermissionResult.DENIED:
                    decision = "explicitDeny"
                    break
                if outcome == PermissionResult.PERMITTED:
                    decision = "allowed"
            results.append(
                {
                    "EvalActionName": action,
                    "EvalResourceName": resource,
                    "EvalDecision": decision,
                    "MatchedStatements": [],
                    "MissingContextValues": [],
                }
            )
    return results


def apply() -> None:
    """Apply this patch to moto (once per process, from `patches.install`)."""
    from moto.core.responses import ActionResult
    from moto.iam.exceptions import InvalidInput
    from moto.iam.responses import IamResponse

    def simulate_principal_policy(self: Any) -> Any:
        source = str(self._get_param("PolicySourceArn") or "")
        parts = source.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("user/"):
            raise InvalidInput(
                f"The simulator supports IAM users only, not {source or 'an empty ARN'}."
            )
        user_name = parts[5].rsplit("/", 1)[-1]
        results = evaluate_user_actions(
            parts[4],
            user_name,
            [str(a) for a in self._get_param("ActionNames") or []],
            [str(r) for r in self._get_param("ResourceArns") or []] or None,
            [str(p) for p in self._get_param("PolicyInputList") or []],
        )
        return ActionResult({"EvaluationResults": results, "IsTruncated": False})

    _replace(IamResponse, "simulate_principal_policy", simulate_principal_policy)
