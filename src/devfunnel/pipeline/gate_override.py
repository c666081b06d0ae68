"""The one rule for passing unmet exit criteria: refused, unless an admin overrides with a
reason.

Without an override, unmet criteria are a ``Conflict`` whose ``missing`` context lists
them (the API returns it in the problem document; the CLI prints the sentence). An
override needs an admin (a user with the admin role, an admin-scope key, or the command
line) and a reason that is not blank; it is stored in ``stage_history`` with the unmet
criteria and audited by the caller.
"""

from __future__ import annotations

from devfunnel.admin.permissions import Principal, require_manage
from devfunnel.errors import Conflict, ValidationError
from devfunnel.pipeline.exit_criteria import Unmet

#: The longest reason kept: it is stored with the stage move and audited, and shown with
#: the deal's history, so it is a sentence or a paragraph, not a document.
MOST_REASON = 2000


def check_override(
    principal: Principal,
    unmet: list[Unmet],
    override_reason: str | None,
    action: str,
    target: str,
) -> None:
    """Return when the move may go ahead; raise what refuses it otherwise."""
    if override_reason is not None and not override_reason.strip():
        raise ValidationError(
            "override_reason must say why the exit criteria are overridden", field="override_reason"
        )
    if override_reason is not None and len(override_reason) > MOST_REASON:
        raise ValidationError(
            f"override_reason must have at most {MOST_REASON} characters", field="override_reason"
        )
    if not unmet:
        return
    if override_reason is None:
        listed = "; ".join(u.message for u in unmet)
        raise Conflict(
            f"cannot {action}: {len(unmet)} exit criteria not met: {listed}. Meet them, or an "
            "admin may override with a reason (--override-reason)",
            target=target,
            missing=[u.as_dict() for u in unmet],
        )
    require_manage(principal, what="overrides of exit criteria")
