"""Production access: prepare, check, submit or export, and track the request.

Everything here is plain Python: the wizard and the CLI only collect input and show what
these functions return. By concern (callers use `from sesdesk.services import access`):

- `form`: the request's fields, their help, the composer and templates' forms (pure);
- `checks`: the table of checks, each a pure function giving ok / warn / block;
- `readiness`: is the team ready to apply, and the website to suggest;
- `requests`: drafts and the stored requests;
- `submit`: PutAccountDetails, or the same answers prepared for the AWS console;
- `review`: the review's status and what to do next;
- `editor`: the wizard's state without Qt (`RequestEditor`).

The templates (`services/access_templates.py`) and the honesty checks
(`services/access_honesty.py`) stay beside the package.
"""

from __future__ import annotations

from sesdesk.services.access.checks import (
    CHECKS,
    MIN_DESCRIPTION_WORDS,
    CheckResult,
    CheckSpec,
    check_form,
    contact_problem,
    description_problem,
    overall,
    require_valid,
    website_problem,
)
from sesdesk.services.access.editor import (
    RequestEditor,
)
from sesdesk.services.access.form import (
    COMPOSER_LABELS,
    CONSOLE_EXTRA_QUESTIONS,
    DETAILED_ENOUGH,
    F_CONTACTS,
    F_DESCRIPTION,
    F_LANGUAGE,
    F_MAIL_TYPE,
    F_WEBSITE,
    FORM_FIELDS,
    LANGUAGE_NAMES,
    LANGUAGES,
    MAIL_TYPE_HELP,
    MAIL_TYPE_SHORT,
    MAIL_TYPES,
    MAX_CONTACTS,
    MAX_DESCRIPTION,
    MAX_URL,
    SANDBOX_IS_PER_REGION,
    TYPICAL_REVIEW,
    AccessForm,
    FieldVerdict,
    Outcome,
    compose,
    form_from_template,
    parse_contacts,
    unknown_fields,
    with_answers,
)
from sesdesk.services.access.readiness import (
    Readiness,
    readiness,
    readiness_of,
    suggest_website,
)
from sesdesk.services.access.requests import (
    Draft,
    RequestView,
    draft,
    last_request,
    list_requests,
    record_request,
)
from sesdesk.services.access.review import (
    ReviewGuidance,
    ReviewState,
    review_guidance,
    review_state,
    sync_outcome,
)
from sesdesk.services.access.submit import (
    ConsoleExport,
    ConsoleField,
    SubmitResult,
    console_export,
    console_url,
    export_for_console,
    submit,
)

# The templates' names, as callers reached them through this module before it was a package.
from sesdesk.services.access_templates import (
    DEFAULT_TEMPLATE,
    TEMPLATES,
    AccessTemplate,
    ComposerAnswers,
    answers_for,
)

__all__ = [
    "CHECKS",
    "COMPOSER_LABELS",
    "CONSOLE_EXTRA_QUESTIONS",
    "DEFAULT_TEMPLATE",
    "DETAILED_ENOUGH",
    "FORM_FIELDS",
    "F_CONTACTS",
    "F_DESCRIPTION",
    "F_LANGUAGE",
    "F_MAIL_TYPE",
    "F_WEBSITE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "MAIL_TYPES",
    "MAIL_TYPE_HELP",
    "MAIL_TYPE_SHORT",
    "MAX_CONTACTS",
    "MAX_DESCRIPTION",
    "MAX_URL",
    "MIN_DESCRIPTION_WORDS",
    "SANDBOX_IS_PER_REGION",
    "TEMPLATES",
    "TYPICAL_REVIEW",
    "AccessForm",
    "AccessTemplate",
    "CheckResult",
    "CheckSpec",
    "ComposerAnswers",
    "ConsoleExport",
    "ConsoleField",
    "Draft",
    "FieldVerdict",
    "Outcome",
    "Readiness",
    "RequestEditor",
    "RequestView",
    "ReviewGuidance",
    "ReviewState",
    "SubmitResult",
    "answers_for",
    "check_form",
    "compose",
    "console_export",
    "console_url",
    "contact_problem",
    "description_problem",
    "draft",
    "export_for_console",
    "form_from_template",
    "last_request",
    "list_requests",
    "overall",
    "parse_contacts",
    "readiness",
    "readiness_of",
    "record_request",
    "require_valid",
    "review_guidance",
    "review_state",
    "submit",
    "suggest_website",
    "sync_outcome",
    "unknown_fields",
    "website_problem",
    "with_answers",
]
