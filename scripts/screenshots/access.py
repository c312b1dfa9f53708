"""Grab the access wizard's pages into docs/screenshots/access-*.png (run under xvfb)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import asyncio, os, sys, tempfile
from pathlib import Path

tmp = Path(tempfile.mkdtemp())
os.environ["SESDESK_HOME"] = str(tmp / "home")
from sesdesk.aws.keychain import MemoryKeyring
MemoryKeyring.install()
from PySide6.QtWidgets import QApplication, QLineEdit
import qasync
from sesdesk.aws.clients import ClientFactory
from sesdesk.aws.ses import SesFacade
from sesdesk.simulator import SesSimulator
from sesdesk.models import Store
from sesdesk.services.mailers import save_mailer
from sesdesk.services.refresh import refresh_team
from sesdesk.services.teams import create_team
from sesdesk.ui import style
from sesdesk.ui.bridge import Bridge
from sesdesk.ui.wizards.access import AccessWizard
from tests.access_samples import filled_answers

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
sim = SesSimulator(iam=True); endpoint = sim.start(); os.environ["AWS_ENDPOINT_URL"] = endpoint
store = Store.open(tmp / "sesdesk.db")
keys = sim.create_user("shop")
facade = SesFacade(ClientFactory("eu-west-1", keys, endpoint=endpoint))
team = create_team(store, "SmartCart")
save_mailer(store, team.id, region="eu-west-1", keys=keys, caller=facade.caller_identity())
facade.create_identity("smartcart.app"); sim.set_identity_status("smartcart.app", "SUCCESS", region="eu-west-1")
refresh_team(store, team.id, facade)

app = QApplication(sys.argv); style.apply(app)
loop = qasync.QEventLoop(app); asyncio.set_event_loop(loop)

async def main():
    bridge = Bridge()
    w = AccessWizard(bridge, store, team.id); w.resize(1000, 720); w.show()
    async def settle(n=0.4):
        await asyncio.sleep(n); app.processEvents()
    while w.prepared is None:
        await settle(0.1)
    await settle(); w.grab().save(str(OUT / "access-1-before.png"))
    w.next(); await settle(); w.grab().save(str(OUT / "access-2-compose.png"))
    # Write every part the template leaves to the user, as a person would before going on.
    written = filled_answers(w.compose.answers()).to_dict()
    for name, editor in w.compose.fields.items():
        if isinstance(editor, QLineEdit):
            editor.setText(written[name])
        else:
            editor.setPlainText(written[name])
    w.next(); await settle()
    d = w.details
    d.contacts.setText("ops@smartcart.app")
    d.description.setPlainText(d.description.toPlainText() + "\nWe also send a weekly newsletter.")
    await settle(); w.grab().save(str(OUT / "access-3-checks-warn.png"))
    d.website.setText("smartcart"); await settle(); w.grab().save(str(OUT / "access-4-checks-block.png"))
    d.website.setText("https://smartcart.app")
    d.description.setPlainText(d.description.toPlainText().replace("\nWe also send a weekly newsletter.", ""))
    await settle(); w.grab().save(str(OUT / "access-5-checks-ok.png"))
    w.next(); await settle(); w.grab().save(str(OUT / "access-6-preview.png"))
    w.submit_page.console_button.click()
    while not w.submit_page.console_area.isVisible():
        await settle(0.1)
    await settle(); w.grab().save(str(OUT / "access-7-console.png"))
    done = []
    w.submitted.connect(done.append)
    w.submit_page.submit_button.click()
    while not done:
        await settle(0.1)
    await settle(); w.grab().save(str(OUT / "access-8-submitted.png"))
    w.close()
    # Denied: the wizard reopens with the previous answers.
    sim.set_review("DENIED", region="eu-west-1"); refresh_team(store, team.id)
    w2 = AccessWizard(bridge, store, team.id); w2.resize(1000, 720); w2.show()
    while w2.prepared is None:
        await settle(0.1)
    await settle(); w2.grab().save(str(OUT / "access-9-denied-reopened.png"))
    w2.close()
    await bridge.shutdown()

loop.run_until_complete(main())
store.close(); sim.stop()
print("ok")
