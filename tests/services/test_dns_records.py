"""The records to publish for a domain, and their zone-file and CSV exports (no network)."""

from __future__ import annotations

import csv
import io

import dns.zone

from sesdesk.services.dns_records import (
    DKIM,
    DMARC,
    MAIL_FROM_MX,
    MAIL_FROM_SPF,
    SPF_VALUE,
    records_for_domain,
    to_csv,
    zone_snippet,
)

TOKENS = ("abc123", "def456", "ghi789")


def test_three_dkim_cnames_then_mail_from_then_dmarc():
    records = records_for_domain("Acme.Test.", TOKENS, region="eu-west-1", dkim_status="PENDING")
    assert [(r.type, r.purpose) for r in records] == [
        ("CNAME", DKIM),
        ("CNAME", DKIM),
        ("CNAME", DKIM),
        ("MX", MAIL_FROM_MX),
        ("TXT", MAIL_FROM_SPF),
        ("TXT", DMARC),
    ]
    first = records[0]
    assert first.name == "abc123._domainkey.acme.test"
    assert first.value == "abc123.dkim.amazonses.com"
    assert first.status == "PENDING"
    assert first.required
    mx, spf, dmarc = records[3:]
    assert (mx.name, mx.value, mx.priority) == (
        "mail.acme.test",
        "feedback-smtp.eu-west-1.amazonses.com",
        10,
    )
    assert (spf.name, spf.value) == ("mail.acme.test", "v=spf1 include:amazonses.com ~all")
    assert dmarc.name == "_dmarc.acme.test"
    assert dmarc.value.startswith("v=DMARC1")
    assert not (mx.required or spf.required or dmarc.required)
    assert {mx.status, spf.status, dmarc.status} == {"unknown"}


def test_json_shape_has_the_contract_keys():
    document = records_for_domain("acme.test", TOKENS, region="us-east-1")[0].as_dict()
    assert {"type", "name", "value", "purpose", "status"} <= set(document)
    assert document["status"] == "unknown"


def test_custom_mail_from_name_and_leaving_it_out():
    full = records_for_domain("acme.test", TOKENS, region="us-east-1", mail_from="bounce.acme.test")
    assert full[3].name == "bounce.acme.test"
    label = records_for_domain("acme.test", TOKENS, region="us-east-1", mail_from="mx1")
    assert label[3].name == "mx1.acme.test"
    none = records_for_domain("acme.test", TOKENS, region="us-east-1", mail_from=None)
    assert [r.purpose for r in none] == [DKIM, DKIM, DKIM, DMARC]


def test_zone_snippet_parses_as_a_zone_with_the_same_records():
    records = records_for_domain("acme.test", TOKENS, region="us-east-1")
    text = "$ORIGIN acme.test.\n@ 300 IN SOA ns. host. 1 2 3 4 5\n@ 300 IN NS ns.\n"
    text += zone_snippet(records)
    zone = dns.zone.from_text(text, origin="acme.test.", relativize=False)
    cname = zone.find_rdataset("abc123._domainkey.acme.test.", "CNAME")
    assert str(cname[0].target) == "abc123.dkim.amazonses.com."
    mx = zone.find_rdataset("mail.acme.test.", "MX")
    assert str(mx[0].exchange) == "feedback-smtp.us-east-1.amazonses.com."
    txt = zone.find_rdataset("mail.acme.test.", "TXT")
    assert b"".join(txt[0].strings).decode() == SPF_VALUE
    assert zone.find_rdataset("_dmarc.acme.test.", "TXT")


def test_csv_export_has_a_header_and_one_row_per_record():
    records = records_for_domain("acme.test", TOKENS, region="us-east-1")
    rows = list(csv.DictReader(io.StringIO(to_csv(records))))
    assert len(rows) == len(records)
    assert rows[0]["type"] == "CNAME"
    assert rows[0]["name"] == "abc123._domainkey.acme.test"
    assert rows[3]["priority"] == "10"
    assert rows[5]["value"] == "v=DMARC1; p=none;"
    assert rows[5]["required"] == "no"
