"""Sandbox mode: try the bot in a browser at /sandbox when no platform is configured.

The page plays one or more people on a pretend channel "sandbox"; their messages go through the
same inbox, flows and outbox as LINE and Telegram, and the outbox rows are shown as the chat.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from pathlib import Path

from aiohttp import web

from bot.channels import AttachmentSource, Delivery, FileFetch, RawEvent
from bot.keys import CHANNELS, INBOX, OUTBOX, RUNTIME, SETTINGS
from core.events import FileRef, Incoming, Outgoing
from models.messaging import OutboxMessage

_events = itertools.count(int(time.time() * 1000))
UPLOAD_MAX = 60 * 1024 * 1024


class SandboxChannel:
    """A channel whose deliveries are just marked sent; the page reads them from the outbox."""

    name = "sandbox"

    def __init__(self, upload_dir: Path) -> None:
        self.upload_dir = upload_dir

    async def start(self) -> None:
        self.upload_dir.mkdir(parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    def verify_webhook(self, body: bytes, headers: dict[str, str]) -> list[RawEvent]:
        return []  # the page posts to /sandbox/send, not to a webhook

    def to_incoming(self, data: dict) -> Incoming | None:
        return Incoming.from_dict(data)

    async def deliver(self, rows: list[OutboxMessage], files: AttachmentSource) -> Delivery:
        return Delivery(ok=True, message_id=str(rows[0].id))

    async def download(self, file: FileRef) -> FileFetch:
        path = self.upload_dir / file.file_id
        return FileFetch(
            path.read_bytes() if path.exists() else None, None if path.exists() else "gone"
        )

    async def acknowledge(self, incoming: Incoming, text: str | None) -> None:
        return None

    async def show_working(self, incoming: Incoming, seconds: int) -> None:
        return None


def add_routes(app: web.Application) -> None:
    app.router.add_get("/sandbox", page)
    app.router.add_post("/sandbox/send", send)
    app.router.add_get("/sandbox/messages", messages)
    app.on_startup.append(_register)


async def _register(app: web.Application) -> None:
    upload_dir = app[SETTINGS].data_dir / "sandbox-uploads"
    app[CHANNELS].setdefault("sandbox", SandboxChannel(upload_dir))


async def send(request: web.Request) -> web.Response:
    """POST /sandbox/send: text, a button action, a date or a file, as the chosen person."""
    form = await request.post()
    user = str(form.get("user") or "sandbox-1")[:40]
    rt = request.app[RUNTIME]
    channel = request.app[CHANNELS]["sandbox"]
    file_ref = None
    upload = form.get("file")
    if isinstance(upload, web.FileField):
        data = upload.file.read(UPLOAD_MAX + 1)
        if data:
            file_id = hashlib.sha256(data).hexdigest()
            (channel.upload_dir / file_id).write_bytes(data)
            file_ref = FileRef(file_id=file_id, name=upload.filename or "file", size=len(data))
    action = str(form.get("action") or "") or None
    incoming = Incoming(
        channel="sandbox",
        user=user,
        chat=user,
        event_id=f"sandbox-{next(_events)}",
        kind="button" if action else "message",
        text=str(form.get("text") or "") or None,
        action=action,
        date=str(form.get("date") or "") or None,
        file=file_ref,
        language=rt.default_locale,
        display_name=user,
    )
    await request.app[INBOX].accept("sandbox", [RawEvent(incoming.event_id, incoming.to_dict())])
    request.app[OUTBOX].wakeup.set()
    return web.json_response({"ok": True})


async def messages(request: web.Request) -> web.Response:
    """GET /sandbox/messages?user=…: what the bot said to that person, oldest first."""
    user = request.query.get("user", "sandbox-1")
    rows = await OutboxMessage.filter(channel="sandbox", chat_id=user).order_by("id").limit(200)
    return web.json_response(
        [
            {"id": r.id, "status": r.status.value, **Outgoing.from_dict(r.payload).to_dict()}
            for r in rows
        ]
    )


async def page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html", charset="utf-8")


PAGE = """<!doctype html>
<html lang="th"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>webpub sandbox</title>
<style>
body{font-family:Sarabun,system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;background:#f4f6f8}
#chat{background:#fff;border-radius:8px;padding:1rem;min-height:20rem}
.bot{background:#e8f0fe;border-radius:8px;padding:.6rem;margin:.4rem 0;white-space:pre-wrap}
.card{border-left:4px solid #1a73e8}.urgent{border-left-color:#d32f2f}
button{margin:.2rem;padding:.4rem .8rem;border-radius:6px;border:1px solid #1a73e8;background:#fff}
form{display:flex;gap:.4rem;margin-top:.6rem;flex-wrap:wrap}input[type=text]{flex:1}
</style></head><body>
<h1>webpub sandbox</h1>
<p>เล่นเป็น: <input id="user" value="sandbox-1" size="12"> — ส่ง <code>/start CODE</code> ด้วยรหัสจาก
<code>webpub invite</code> ก่อน / send <code>/start CODE</code> with a code from <code>webpub invite</code> first.</p>
<div id="chat"></div>
<form id="f"><input type="text" id="text" placeholder="พิมพ์ข้อความ / type a message">
<input type="file" id="file"><input type="date" id="date"><button>ส่ง / Send</button></form>
<script>
const $=s=>document.querySelector(s);
async function post(data){const fd=new FormData();fd.append('user',$('#user').value);
 for(const[k,v]of Object.entries(data))fd.append(k,v);await fetch('/sandbox/send',{method:'POST',body:fd});setTimeout(load,300);}
async function load(){const r=await fetch('/sandbox/messages?user='+encodeURIComponent($('#user').value));
 const rows=await r.json();const chat=$('#chat');chat.innerHTML='';
 for(const m of rows){const d=document.createElement('div');d.className='bot'+(m.card?' card':'')+(m.card&&m.card.urgent?' urgent':'');
  let t='';if(m.card){t+=m.card.title+'\\n';}t+=m.text;if(m.card){for(const[k,v]of m.card.fields)t+='\\n'+k+': '+v;}
  d.textContent=t;for(const b of m.buttons){const x=document.createElement('button');x.textContent=b.label;
  x.onclick=()=>post({action:b.action});d.appendChild(document.createElement('br'));d.appendChild(x);}
  if(m.date_picker){const x=document.createElement('button');x.textContent=m.date_picker.label+' ('+($('#date').value||'?')+')';
  x.onclick=()=>post({action:m.date_picker.action,date:$('#date').value});d.appendChild(x);}
  chat.appendChild(d);}}
$('#f').onsubmit=e=>{e.preventDefault();const data={};if($('#text').value)data.text=$('#text').value;
 if($('#file').files[0])data.file=$('#file').files[0];post(data);$('#text').value='';$('#file').value='';};
load();setInterval(load,2000);
</script></body></html>
"""
