"""Screenshots of the identity wizard and the records dialog (run under Xvfb)."""
import asyncio, importlib.util, os, sys, tempfile
from pathlib import Path
REPO = Path(__file__).resolve().parents[2]; sys.path.insert(0, str(REPO))
OUT = REPO / "docs/screenshots"
from sesdesk.aws.keychain import MemoryKeyring
MemoryKeyring.install()
from PySide6.QtWidgets import QApplication, QWizard
import qasync
from sesdesk.ui import style
from sesdesk.simulator import SesSimulator
from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.models import Store
from sesdesk.services.teams import create_team
from sesdesk.services.mailers import save_mailer
from sesdesk.services.identities import add_identity
from sesdesk.services.refresh import refresh_team
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.wizards.identity import AddIdentityWizard, PAGE_RESULT
from sesdesk.ui.dialogs.records import RecordsDialog

spec = importlib.util.spec_from_file_location("localdns", REPO / "tests/services/test_dns_check.py")
localdns = importlib.util.module_from_spec(spec); spec.loader.exec_module(localdns)

app = QApplication(sys.argv[:1]); style.apply(app)
loop = qasync.QEventLoop(app); asyncio.set_event_loop(loop)

async def until(cond, timeout=20):
    for _ in range(int(timeout * 20)):
        if cond(): return
        await asyncio.sleep(0.05)
    raise TimeoutError

def save(widget, name):
    app.processEvents()
    pix = widget.grab(); pix.save(str(OUT / name)); print("saved", name, pix.width(), pix.height())

KEEP = []
async def main():
    sim = SesSimulator(iam=True); ep = sim.start(); os.environ["AWS_ENDPOINT_URL"] = ep
    store = Store.open(Path(tempfile.mkdtemp()) / "s.db")
    keys = sim.create_user("shot")
    f = SesFacade(ClientFactory("eu-west-1", keys, endpoint=ep))
    team = create_team(store, "Acme")
    save_mailer(store, team.id, region="eu-west-1", keys=keys, caller=f.caller_identity())
    bridge = Bridge()
    # 1 input with IDN preview
    w = AddIdentityWizard(bridge, store, team.id); w.show()
    w.input_page.edit.setText("bücher-laden.example")
    await asyncio.sleep(0.3); save(w, "identity-1-add-domain.png")
    w.input_page.edit.setText("shop_online.example")
    await asyncio.sleep(0.2); save(w, "identity-2-bad-input.png")
    w.input_page.edit.setText("bücher-laden.example")
    w.button(QWizard.WizardButton.CommitButton).click()
    await until(lambda: w.currentId() == PAGE_RESULT)
    await asyncio.sleep(0.3); save(w, "identity-3-domain-records.png")
    w.close()
    w = AddIdentityWizard(bridge, store, team.id); w.show()
    w.input_page.edit.setText("owner@bücher-laden.example")
    w.button(QWizard.WizardButton.CommitButton).click()
    await until(lambda: w.currentId() == PAGE_RESULT)
    await asyncio.sleep(0.3); save(w, "identity-4-email-inbox.png")
    w.close()
    # records dialog + DNS check
    server = localdns.LocalDnsServer().start()
    name = "xn--bcher-laden-thb.example"
    from sesdesk.services.identities import find_identity
    tokens = find_identity(store, team.id, name).dkim_tokens
    server.add(f"{tokens[0]}._domainkey.{name}", "CNAME", f"{tokens[0]}.dkim.amazonses.com.")
    server.add(f"{tokens[1]}._domainkey.{name}", "CNAME", f"{tokens[1][:-3]}.dkim.amazonses.com.")
    server.add(f"{tokens[2]}._domainkey.{name}", "TXT", f'"{tokens[2]}.dkim.amazonses.com"')
    server.add(f"_dmarc.{name}", "TXT", '"v=DMARC1; p=none;"')
    d = RecordsDialog(bridge, store, team.id, "bücher-laden.example"); d.show()
    await until(lambda: d.identity is not None)
    d.view.nameserver_edit.setText("127.0.0.1"); d.view.port_spin.setValue(server.port)
    d.view.start_check()
    await until(lambda: bool(d.view.checks))
    await asyncio.sleep(0.3); save(d, "identity-5-dns-check.png")
    d.close()
    # failed + retry
    sim.set_identity_status(name, "FAILED", error_type="HOST_NOT_FOUND", region="eu-west-1")
    refresh_team(store, team.id)
    d = RecordsDialog(bridge, store, team.id, name); d.show()
    await until(lambda: d.identity is not None)
    await asyncio.sleep(0.3); save(d, "identity-6-failed.png")
    d.start_retry()
    await until(lambda: d.changed_note.isVisible())
    await asyncio.sleep(0.3); save(d, "identity-7-retried.png")
    d.close()
    server.stop()
    await bridge.shutdown()
    store.close(); sim.stop()

loop.run_until_complete(main())
