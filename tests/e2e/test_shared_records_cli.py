"""Two desktops (two SESDESK_HOMEs, two keyring files) on one PostgreSQL database: the second
sees the team at once, joins with `reconnect`, and one broadcast sent from both processes at
the same time reaches every recipient exactly once (counted from the simulator's send log).
Also `sesdesk db copy-to` and the exit codes of a bad or unreachable database URL."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections import Counter
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from sesdesk.models import Base
from tests.e2e.conftest import KEYRING_BACKEND, cli_environment, connected_team, run_cli

RECIPIENTS = 60


def _second_desktop(tmp_path, simulator, url: str) -> dict[str, str]:
    home, xdg = tmp_path / "b" / "home", tmp_path / "b" / "xdg"
    home.mkdir(parents=True)
    xdg.mkdir(parents=True)
    return {
        "SESDESK_HOME": str(home),
        "XDG_DATA_HOME": str(xdg),
        "PYTHON_KEYRING_BACKEND": KEYRING_BACKEND,
        "AWS_ENDPOINT_URL": simulator.endpoint,
        "SESDESK_DATABASE_URL": url,
    }


@pytest.mark.timeout(300)
def test_two_desktops_share_a_team_and_send_each_recipient_once(
    tmp_path, iam_simulator, postgres_url
):
    simulator = iam_simulator
    a = connected_team(
        tmp_path / "a",
        simulator,
        production=True,
        max_rate=40,
        max_24h=1e6,
        database_url=postgres_url,
    )
    b = _second_desktop(tmp_path, simulator, postgres_url)

    # The second desktop reads the team's records at once, without any keys.
    teams = run_cli(b, "team", "list", "--json")
    assert teams.returncode == 0, teams.stderr
    assert [(t["name"], t["has_mailer"]) for t in json.loads(teams.stdout)] == [("acme", True)]
    status = run_cli(b, "status", "--team", "acme", "--json")
    assert status.returncode == 0, status.stderr

    # It joins with keys of the same AWS account, kept in its own keyring file only.
    keys_b = simulator.create_user("desktop-b")
    joined = run_cli(
        b, "reconnect", "--team", "acme", "--stdin",
        stdin=f"{keys_b.access_key_id}\n{keys_b.secret_access_key}\n",
    )  # fmt: skip
    assert joined.returncode == 0, joined.stderr
    keyring_b = (tmp_path / "b" / "xdg" / "python_keyring").rglob("*")
    assert any(p.is_file() for p in keyring_b)
    assert not list((tmp_path / "a" / "home").glob("*.db")) and not list(
        (tmp_path / "b" / "home").glob("*.db")
    )
    with a.store() as store, store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            dump = repr(conn.execute(select(table)).all())
            for secret in (a.keys.secret_access_key, keys_b.secret_access_key):
                assert secret not in dump, f"a secret in {table.name}"

    csv_path = tmp_path / "list.csv"
    csv_path.write_text(
        "email,name\n" + "".join(f"user{i}@example.com,User {i}\n" for i in range(RECIPIENTS)),
        encoding="utf-8",
    )
    imported = a.run("contacts", "import", "--team", "acme", "--list", "all", str(csv_path))
    assert imported.returncode == 0, imported.stderr
    create = run_cli(
        b, "broadcast", "create", "--team", "acme", "--list", "all",
        "--from", "news@acme.example", "--subject", "Hi {{name}}", "--text", "x", "--json",
    )  # fmt: skip
    assert create.returncode == 0, create.stderr
    broadcast_id = str(json.loads(create.stdout)["id"])
    simulator.set_latency(0.02)

    send = ("broadcast", "send", "--team", "acme", broadcast_id, "--json")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "sesdesk", *send],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_environment(env),
        )
        for env in (a.env, b)
    ]
    outs = [proc.communicate(timeout=240) for proc in procs]
    codes = [proc.returncode for proc in procs]
    assert 0 in codes and set(codes) <= {0, 3}, outs

    accepted = Counter(
        parseaddr(d)[1].lower() for m in simulator.sent_messages() for d in m.destinations
    )
    assert len(accepted) == RECIPIENTS
    assert set(accepted.values()) == {1}, "a recipient got the broadcast twice"
    final = run_cli(b, "broadcast", "status", "--team", "acme", broadcast_id, "--json")
    assert json.loads(final.stdout)["sent"] == RECIPIENTS


def test_copy_to_from_the_command_line(tmp_path, postgres_server):
    env = {"SESDESK_HOME": str(tmp_path / "home")}
    for name in ("one", "two"):
        assert run_cli(env, "team", "create", name).returncode == 0
    target = postgres_server.url(postgres_server.create_database(template=None))
    copied = run_cli(env, "db", "copy-to", target, "--json")
    assert copied.returncode == 0, copied.stderr
    document = json.loads(copied.stdout)
    assert document["tables"]["team"] == 2 and document["tables"]["status_event"] >= 0
    again = run_cli(env, "db", "copy-to", target, "--json")
    assert again.returncode == 2 and "not empty" in again.stderr and "team (2)" in again.stderr
    shared = run_cli({**env, "SESDESK_DATABASE_URL": target}, "team", "list", "--json")
    assert [t["name"] for t in json.loads(shared.stdout)] == ["one", "two"]


def test_bad_and_unreachable_urls_exit_2_and_5_without_the_password(tmp_path):
    home = tmp_path / "home"
    bad = run_cli(
        {"SESDESK_HOME": str(home), "SESDESK_DATABASE_URL": "mysql://bob:pw123@h/db"},
        "team", "list",
    )  # fmt: skip
    assert bad.returncode == 2 and "SESDESK_DATABASE_URL" in bad.stderr
    assert "pw123" not in bad.stderr + bad.stdout
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql+psycopg://bob:pw123@127.0.0.1:{port}/shop"
    down = run_cli({"SESDESK_HOME": str(home), "SESDESK_DATABASE_URL": url}, "team", "list")
    assert down.returncode == 5, down.stderr
    assert "cannot be reached" in down.stderr and "pw123" not in down.stderr + down.stdout
    assert not (home / "sesdesk.db").exists()
    logs = "".join(p.read_text() for p in (home / "logs").glob("*.log*"))
    assert "pw123" not in logs
