"""Screenshots of the sending windows (run under xvfb-run)."""
import asyncio, os, sys, tempfile
from pathlib import Path
REPO = Path(__file__).resolve().parents[2]; sys.path.insert(0, str(REPO))
OUT = REPO / "docs/screenshots"
os.environ["SESDESK_HOME"] = tempfile.mkdtemp(prefix="sesdesk-shot-")
from PySide6.QtWidgets import QApplication
import qasync
app = QApplication(sys.argv[:1])
from sesdesk.ui import style
style.apply(app)
from sesdesk.aws import keychain
keychain.MemoryKeyring.install()
from sesdesk.simulator import SesSimulator
from sesdesk.aws.clients import AwsKeys, ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.models import Store
from sesdesk.services import contacts, sending
from sesdesk.services.mailers import save_mailer
from sesdesk.services.refresh import refresh_team
from sesdesk.services.teams import create_team
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.sending import ComposeWindow, ContactsWindow, SendProgressWindow

sim = SesSimulator(); ep = sim.start(); os.environ["AWS_ENDPOINT_URL"] = ep
home = Path(os.environ["SESDESK_HOME"]); home.mkdir(parents=True, exist_ok=True)
store = Store.open(home / "sesdesk.db")
keys = AwsKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
f = SesFacade(ClientFactory("us-east-1", keys, endpoint=ep))
team = create_team(store, "Demo shop")
save_mailer(store, team.id, region="us-east-1", keys=keys, caller=f.caller_identity())
for ident in ("owner@demo-shop.example", "demo-shop.example"):
    f.create_identity(ident); sim.set_identity_status(ident, "SUCCESS")
refresh_team(store, team.id, f)
csv = home / "customers.csv"
csv.write_text("Email,Name,Plan\n" + "".join(f"customer{i}@example.com,Customer {i},pro\n" for i in range(300))
               + "not-an-address,Broken,free\nCUSTOMER3@example.com,Dup,pro\nwho@,Half,free\n", encoding="utf-8")

async def settle(ms=600):
    for _ in range(ms // 50):
        await asyncio.sleep(0.05)

async def main():
    bridge = Bridge()
    # 1. contacts + import dialog
    cw = ContactsWindow(bridge, store, team.id); cw.show()
    await settle()
    dlg = cw.open_import(csv); await settle()
    dlg.list_edit.setText("Customers")
    dlg.grab().save(str(OUT / "sending-1-import-columns.png"))
    dlg.start_import(); await settle(1200)
    dlg.grab().save(str(OUT / "sending-2-import-result.png"))
    dlg.close(); await settle(600)
    cw.grab().save(str(OUT / "sending-3-contacts.png"))
    cw.close()
    # 2. compose, sandbox: broadcast refused, test email preview
    comp = ComposeWindow(bridge, store, team.id); comp.show(); await settle()
    comp.kind_combo.setCurrentIndex(2)
    comp.subject_edit.setText("Spring sale, {{name|friend}}!")
    comp.text_edit.setPlainText("Hi {{name}},\n\nEverything is 20% off this week.\n\n— Demo shop")
    comp.html_edit.setPlainText("<h2>Spring sale</h2><p>Hi {{name}},</p><p>Everything is <b>20% off</b> this week.</p>")
    comp.unsubscribe_edit.setText("unsubscribe@demo-shop.example")
    await settle(800)
    comp.tabs.setCurrentIndex(2); await settle()
    comp.grab().save(str(OUT / "sending-4-compose-sandbox.png"))
    # 3. production: progress mid-send
    sim.set_production(True); sim.set_quota(max_rate=20); sim.set_latency(0.1)
    refresh_team(store, team.id, f)
    draft = sending.create_broadcast(store, team.id, list_name="Customers",
        composition=comp.composition())
    pw = SendProgressWindow(bridge, store, team.id, draft.id); pw.show(); await settle()
    pw.start(); await settle(3500)
    pw.grab().save(str(OUT / "sending-5-progress.png"))
    pw.pause(); await settle(1500)
    pw.grab().save(str(OUT / "sending-6-paused.png"))
    pw.close()
    await bridge.shutdown()

loop = qasync.QEventLoop(app); asyncio.set_event_loop(loop)
with loop:
    loop.run_until_complete(main())
store.close(); sim.stop()
print("ok")
