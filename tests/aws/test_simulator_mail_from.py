"""Patch 14: custom MAIL FROM attributes in the simulator, as SESv2 answers them."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.simulator import SesSimulator


def test_put_mail_from_then_get_answers_pending_attributes(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    ses = client(simulator, "sesv2")
    ses.create_email_identity(EmailIdentity="acme.com")
    before = ses.get_email_identity(EmailIdentity="acme.com")["MailFromAttributes"]
    assert before == {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="acme.com",
        MailFromDomain="mail.acme.com",
        BehaviorOnMxFailure="REJECT_MESSAGE",
    )
    after = ses.get_email_identity(EmailIdentity="acme.com")["MailFromAttributes"]
    assert after == {
        "MailFromDomain": "mail.acme.com",
        "MailFromDomainStatus": "PENDING",
        "BehaviorOnMxFailure": "REJECT_MESSAGE",
    }


def test_status_follows_the_identity_set_after_the_put_and_the_control_wins(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    ses = client(simulator, "sesv2")
    ses.create_email_identity(EmailIdentity="acme.com")
    simulator.set_identity_status("acme.com", "SUCCESS")
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="acme.com", MailFromDomain="bounce.acme.com"
    )

    def status() -> str:
        attributes = ses.get_email_identity(EmailIdentity="acme.com")["MailFromAttributes"]
        return str(attributes["MailFromDomainStatus"])

    # Verified before the MAIL FROM was set: SES still has to find its MX record.
    assert status() == "PENDING"
    simulator.set_identity_status("acme.com", "SUCCESS")
    assert status() == "SUCCESS"
    # The HTTP control, as a simulator in another process is driven.
    request = urllib.request.Request(
        simulator.endpoint + "/_sesdesk/mail_from",
        data=json.dumps({"identity": "acme.com", "status": "FAILED"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200
    assert status() == "FAILED"
    simulator.set_identity_status("acme.com", "SUCCESS")
    assert status() == "FAILED"  # the control wins until the next Put


@pytest.mark.parametrize("domain", ["acme.com", "mail.other.com", "notacme.com"])
def test_a_mail_from_domain_outside_the_identity_is_refused(
    simulator: SesSimulator, client: Callable[..., Any], domain: str
) -> None:
    ses = client(simulator, "sesv2")
    ses.create_email_identity(EmailIdentity="acme.com")
    with pytest.raises(ClientError) as excinfo:
        ses.put_email_identity_mail_from_attributes(EmailIdentity="acme.com", MailFromDomain=domain)
    assert excinfo.value.response["Error"]["Code"] == "BadRequestException"
    assert "not subdomain" in excinfo.value.response["Error"]["Message"]


def test_unknown_identity_is_not_found_and_none_clears(
    simulator: SesSimulator, client: Callable[..., Any]
) -> None:
    ses = client(simulator, "sesv2")
    with pytest.raises(ClientError) as excinfo:
        ses.put_email_identity_mail_from_attributes(
            EmailIdentity="nobody.com", MailFromDomain="mail.nobody.com"
        )
    assert excinfo.value.response["Error"]["Code"] == "NotFoundException"
    ses.create_email_identity(EmailIdentity="owner@acme.com")
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="owner@acme.com", MailFromDomain="mail.acme.com"
    )
    ses.put_email_identity_mail_from_attributes(EmailIdentity="owner@acme.com")
    attributes = ses.get_email_identity(EmailIdentity="owner@acme.com")["MailFromAttributes"]
    assert "MailFromDomain" not in attributes


def test_facade_put_mail_from_under_iam_and_identity_detail(sim: SesSimulator) -> None:
    keys = sim.create_user("mailfrom-user")  # the default policy: the permission table's actions
    facade = SesFacade(ClientFactory("us-east-1", keys, endpoint=sim.endpoint))
    facade.create_identity("acme.com")
    sim.set_identity_status("acme.com", "SUCCESS")
    facade.put_mail_from("acme.com", "mail.acme.com")
    sim.set_mail_from_status("acme.com", "SUCCESS")
    detail = facade.get_identity("acme.com")
    assert detail.mail_from_domain == "mail.acme.com"
    assert detail.mail_from_status == "SUCCESS"
    assert detail.mail_from_behavior == "USE_DEFAULT_VALUE"
    assert detail.dkim_signing is True
    assert detail.dkim_origin == "AWS_SES"
    facade.put_mail_from("acme.com", None)
    cleared = facade.get_identity("acme.com")
    assert cleared.mail_from_domain is None and cleared.mail_from_status is None
