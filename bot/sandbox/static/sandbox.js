// The sandbox page: phones fed by server-sent events; taps, typing and uploads go to /sandbox/send.
"use strict";
const WORDS = JSON.parse(document.getElementById("words").textContent);
const PAGE = JSON.parse(document.getElementById("page-words").textContent);
const world = {phones: [], chats: {}, richMenu: null, current: {}, selected: null};
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const child of children) if (child !== null && child !== undefined)
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
};

function phoneOf(id) { return world.phones.find(p => p.id === id); }
function wordsFor(id) { const p = phoneOf(id); return WORDS[(p && p.locale) || "th"]; }

async function post(url, data) {
  const form = new FormData();
  for (const [k, v] of Object.entries(data)) if (v !== undefined && v !== null) form.append(k, v);
  const response = await fetch(url, {method: "POST", body: form});
  return response.ok ? response.json() : Promise.reject(await response.text());
}
function say(phone, data) { return post("/sandbox/send", {phone, ...data}).catch(notice); }
function notice(text) { $("#notice").textContent = String(text); }

// -- Thai dates with Buddhist-era years ---------------------------------------------------
function monthName(words, m) { return words.months.split(" ")[m]; }
function beLabel(words, y, m, d) {
  const be = y + 543;
  const month = monthName(words, m);
  return words === WORDS.th ? `${d ? d + " " : ""}${month} ${be}` : `${d ? d + " " : ""}${month} ${y} (B.E. ${be})`;
}
function iso(y, m, d) { return `${y}-${String(m + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`; }

function datePicker(phone, action) {
  const words = wordsFor(phone);
  const start = new Date((action.initial || action.min || new Date().toISOString().slice(0, 10)) + "T00:00:00");
  let y = start.getFullYear(), m = start.getMonth();
  const box = el("div", {class: "picker", role: "group", "aria-label": action.label || words.pick_date});
  const draw = () => {
    box.replaceChildren();
    const title = el("span", {class: "month", "aria-live": "polite"}, beLabel(words, y, m));
    const prev = el("button", {type: "button", "aria-label": words.previous_month, onclick: () => { m--; if (m < 0) { m = 11; y--; } draw(); }}, "‹");
    const next = el("button", {type: "button", "aria-label": words.next_month, onclick: () => { m++; if (m > 11) { m = 0; y++; } draw(); }}, "›");
    box.append(el("div", {class: "picker-head"}, prev, title, next));
    const grid = el("div", {class: "days"});
    for (const wd of words.weekdays.split(" ")) grid.append(el("span", {class: "wd", "aria-hidden": "true"}, wd));
    const first = (new Date(y, m, 1).getDay() + 6) % 7;
    for (let i = 0; i < first; i++) grid.append(el("span"));
    const days = new Date(y, m + 1, 0).getDate();
    for (let d = 1; d <= days; d++) {
      const value = iso(y, m, d);
      const off = (action.min && value < action.min) || (action.max && value > action.max);
      grid.append(el("button", {type: "button", class: "day", "data-date": value, "aria-label": beLabel(words, y, m, d),
        disabled: off ? "" : null, onclick: () => { box.remove(); say(phone, {action: action.data, date: value}); }}, d));
    }
    box.append(grid);
  };
  draw();
  return box;
}

// -- LINE ---------------------------------------------------------------------------------
function linkify(text) {
  const out = document.createDocumentFragment();
  for (const part of String(text).split(/(https?:\/\/\S+)/)) {
    if (/^https?:\/\//.test(part)) out.append(el("a", {href: part, target: "_blank", rel: "noopener"}, part));
    else out.append(part);
  }
  return out;
}
function flexNode(phone, node) {
  if (!node) return null;
  if (node.type === "text") return el("div", {class: "fx-text" + (node.weight === "bold" ? " bold" : ""), style: node.color ? `color:${node.color}` : null}, linkify(node.text));
  if (node.type === "separator") return el("hr");
  if (node.type === "box") return el("div", {class: "fx-box " + (node.layout || "vertical")}, ...(node.contents || []).map(c => flexNode(phone, c)));
  if (node.type === "button") {
    const a = node.action || {};
    return el("button", {type: "button", class: "fx-button " + (node.style || ""), style: node.color ? `background:${node.color}` : null,
      onclick: () => say(phone, {action: a.data, label: a.displayText || a.label})}, a.label);
  }
  return null;
}
function lineBubble(phone, message) {
  const m = message.line || {};
  if (m.type === "flex") {
    const b = m.contents || {};
    return el("div", {class: "bubble flex"}, flexNode(phone, b.body), b.footer ? el("div", {class: "footer"}, flexNode(phone, b.footer)) : null);
  }
  return el("div", {class: "bubble"}, linkify(m.text || m.altText || ""));
}

// -- Telegram -----------------------------------------------------------------------------
const TG_TAGS = new Set(["B", "STRONG", "I", "EM", "U", "INS", "S", "STRIKE", "DEL", "CODE", "PRE", "A", "BLOCKQUOTE", "SPAN", "TG-SPOILER"]);
function telegramHtml(html) {
  const doc = new DOMParser().parseFromString(`<body>${String(html).replace(/\n/g, "<br>")}</body>`, "text/html");
  const clean = (node) => {
    const out = document.createDocumentFragment();
    for (const child of node.childNodes) {
      if (child.nodeType === 3) out.append(child.textContent);
      else if (child.nodeName === "BR") out.append(el("br"));
      else if (TG_TAGS.has(child.nodeName)) {
        const copy = el(child.nodeName === "A" ? "a" : child.nodeName.toLowerCase());
        if (child.nodeName === "A") { copy.href = child.getAttribute("href") || "#"; copy.target = "_blank"; copy.rel = "noopener"; }
        copy.append(clean(child)); out.append(copy);
      } else out.append(clean(child));
    }
    return out;
  };
  return clean(doc.body);
}
function telegramBubble(phone, message) {
  const words = wordsFor(phone);
  const box = el("div", {class: "bubble"});
  if (message.document) {
    box.append(el("a", {class: "document", href: message.document.url, target: "_blank", rel: "noopener",
      "aria-label": `${words.open_file}: ${message.document.name}`}, message.document.name));
  } else box.append(telegramHtml(message.html || ""));
  if (message.edited) box.append(el("span", {class: "edited"}, words.edited));
  if (message.keyboard && message.keyboard.length) {
    const kb = el("div", {class: "keyboard"});
    for (const row of message.keyboard) {
      const r = el("div", {class: "kb-row"});
      for (const b of row) {
        if (b.url) r.append(el("a", {class: "kb", href: b.url, target: "_blank", rel: "noopener"}, b.text));
        else r.append(el("button", {type: "button", class: "kb", onclick: () => say(phone, {action: b.callback_data, message_id: message.message_id})}, b.text));
      }
      kb.append(r);
    }
    box.append(kb);
  }
  return box;
}

// -- a phone ------------------------------------------------------------------------------
function mine(message) {
  if (message.file) return el("div", {class: "bubble"}, el("a", {class: "document", href: message.file.url, target: "_blank", rel: "noopener"}, message.file.name));
  return el("div", {class: "bubble"}, message.text);
}
function messageNode(phoneId, message) {
  const platform = phoneId.split(":")[0];
  const body = message.side === "me" ? mine(message) : platform === "line" ? lineBubble(phoneId, message) : telegramBubble(phoneId, message);
  return el("li", {class: "msg " + message.side, "data-id": message.id}, body);
}
function column(platform) { return $(`#phone-${platform}`); }

function drawQuick(platform) {
  const phoneId = world.current[platform];
  const box = $(".quick", column(platform));
  box.replaceChildren();
  if (platform !== "line" || !phoneId) return;
  const chat = world.chats[phoneId] || [];
  const last = chat[chat.length - 1];
  if (!last || last.side !== "bot" || !last.line || !last.line.quickReply) return;
  for (const item of last.line.quickReply.items) {
    const a = item.action;
    if (a.type === "datetimepicker") {
      box.append(el("button", {type: "button", class: "chip picker-chip", onclick: () => {
        const bubble = $(`li[data-id="${last.id}"] .bubble`, column(platform));
        const open = $(".picker", bubble);
        if (open) open.remove(); else { bubble.append(datePicker(phoneId, a)); $(".day:not([disabled])", bubble)?.focus(); scrollDown(platform); }
      }}, a.label));
    } else box.append(el("button", {type: "button", class: "chip", onclick: () => say(phoneId, {action: a.data, label: a.displayText || a.label})}, a.label));
  }
}
function scrollDown(platform) { const chat = $(".chat", column(platform)); chat.scrollTop = chat.scrollHeight; }

function drawPhone(platform) {
  const col = column(platform);
  const phoneId = world.current[platform];
  const words = wordsFor(phoneId);
  const who = $(".who", col);
  who.replaceChildren(...world.phones.filter(p => p.platform === platform).map(p =>
    el("option", {value: p.id, selected: p.id === phoneId ? "" : null}, `${p.name}${p.roles.length ? " · " + p.roles.join(", ") : ""}`)));
  $(".holder-label", col).textContent = words.holder + " ";
  const phone = phoneOf(phoneId);
  const lang = $(".lang", col);
  lang.textContent = phone && phone.locale === "en" ? "EN → ไทย" : "ไทย → EN";
  lang.setAttribute("aria-label", words.language);
  $(".text", col).placeholder = words.type;
  $(".text-label", col).textContent = words.type;
  $(".send", col).textContent = words.send;
  $(".attach-label", col).setAttribute("aria-label", words.attach);
  $(".file", col).setAttribute("aria-label", words.attach);
  const chat = $(".chat", col);
  const rows = world.chats[phoneId] || [];
  chat.replaceChildren(...rows.map(m => messageNode(phoneId, m)));
  if (!rows.length) chat.append(el("li", {class: "empty"}, words.empty));
  drawQuick(platform);
  const menu = $(".richmenu", col);
  if (menu) {
    menu.replaceChildren();
    if (world.richMenu) {
      menu.setAttribute("aria-label", words.menu);
      for (const area of world.richMenu.areas) menu.append(el("button", {type: "button", class: "menu-item",
        onclick: () => say(phoneId, {action: area.action.data, label: area.action.displayText})},
        phone && phone.locale === "en" ? area.action.label : area.action.displayText));
    }
  }
  scrollDown(platform);
}

function added(event) {
  const chat = world.chats[event.phone] = world.chats[event.phone] || [];
  chat.push(event.message);
  const platform = event.phone.split(":")[0];
  if (world.current[platform] !== event.phone) return;
  const list = $(".chat", column(platform));
  $(".empty", list)?.remove();
  list.append(messageNode(event.phone, event.message));
  drawQuick(platform);
  scrollDown(platform);
}
function edited(event) {
  const chat = world.chats[event.phone] || [];
  const i = chat.findIndex(m => m.id === event.message.id);
  if (i >= 0) chat[i] = event.message;
  const platform = event.phone.split(":")[0];
  if (world.current[platform] !== event.phone) return;
  const node = $(`li[data-id="${event.message.id}"]`, column(platform));
  if (node) node.replaceWith(messageNode(event.phone, event.message));
}

// -- the panel ----------------------------------------------------------------------------
function drawClock(clock) {
  $("#clock-label").textContent = clock.label;
  $("#clock-real").hidden = clock.set;
}
function drawRequests(requests) {
  $("#requests").replaceChildren(...requests.map(r => el("li", {},
    el("button", {type: "button", class: "req" + (r.ref === world.selected ? " selected" : ""), "aria-pressed": r.ref === world.selected ? "true" : "false",
      onclick: () => { world.selected = r.ref; showTimeline(r.ref); drawRequests(requests); }}, `${r.ref} · ${r.title} · ${r.status}`))));
}
async function showTimeline(ref) {
  const response = await fetch(`/sandbox/requests/${encodeURIComponent(ref)}`);
  if (!response.ok) return;
  const d = await response.json();
  const box = $("#timeline");
  box.replaceChildren(
    el("p", {class: "state"}, el("strong", {}, d.ref), ` ${d.title} — `, el("span", {class: "status"}, d.status)),
    el("h4", {}, PAGE.history),
    el("ol", {class: "events"}, ...d.history.map(h => el("li", {}, `${h.at.slice(0, 16).replace("T", " ")} ${h.event}${h.by ? " · " + h.by : ""}${h.url ? " · " + h.url : ""}`))),
    el("h4", {}, PAGE.messages),
    el("ol", {class: "messages"}, ...d.messages.map(m => el("li", {}, `${m.channel} → ${m.to} (${m.status}): ${m.text}`))));
}
async function refresh(full) {
  const response = await fetch("/sandbox/state" + location.search);
  const s = await response.json();
  world.phones = s.phones; world.richMenu = s.rich_menu;
  drawClock(s.clock); drawRequests(s.requests);
  if (world.selected) showTimeline(world.selected);
  if (full) world.chats = s.chats;
  for (const platform of ["line", "telegram"]) {
    const ids = world.phones.filter(p => p.platform === platform).map(p => p.id);
    if (!ids.includes(world.current[platform])) world.current[platform] = ids[0];
    if (full) drawPhone(platform);
  }
}
let pending = null;
function soon() { clearTimeout(pending); pending = setTimeout(() => refresh(false), 400); }

function listen() {
  const source = new EventSource("/sandbox/events");
  source.onmessage = (e) => {
    const event = JSON.parse(e.data);
    if (event.type === "add") { added(event); soon(); }
    else if (event.type === "edit") edited(event);
    else if (event.type === "reset") { world.chats = {}; refresh(true); }
    else if (event.type === "toast") notice(event.text);
    else if (event.type === "clock" || event.type === "phones") refresh(false).then(() => event.type === "phones" && ["line", "telegram"].forEach(drawPhoneSelectOnly));
  };
}
function drawPhoneSelectOnly(platform) {
  const col = column(platform);
  const phoneId = world.current[platform];
  $(".who", col).replaceChildren(...world.phones.filter(p => p.platform === platform).map(p =>
    el("option", {value: p.id, selected: p.id === phoneId ? "" : null}, `${p.name}${p.roles.length ? " · " + p.roles.join(", ") : ""}`)));
}

for (const platform of ["line", "telegram"]) {
  const col = column(platform);
  $(".who", col).addEventListener("change", (e) => { world.current[platform] = e.target.value; drawPhone(platform); });
  $(".lang", col).addEventListener("click", async () => {
    const phone = phoneOf(world.current[platform]);
    if (!phone) return;
    phone.locale = phone.locale === "en" ? "th" : "en";
    await post("/sandbox/language", {phone: phone.id, locale: phone.locale}).catch(notice);
    drawPhone(platform);
  });
  $(".input", col).addEventListener("submit", (e) => {
    e.preventDefault();
    const phoneId = world.current[platform];
    const text = $(".text", col), file = $(".file", col);
    if (file.files[0]) say(phoneId, {file: file.files[0]});
    else if (text.value.trim()) say(phoneId, {text: text.value});
    text.value = ""; file.value = "";
    text.focus();
  });
  $(".file", col).addEventListener("change", () => $(".input", col).requestSubmit());
}
for (const button of document.querySelectorAll("[data-jump]")) button.addEventListener("click", async () => {
  const done = await post("/sandbox/clock" + location.search, {jump: button.dataset.jump, ref: world.selected || ""}).catch(notice);
  if (done) drawClock(done.clock);
});
$("#reset").addEventListener("click", async () => {
  world.selected = null;
  $("#timeline").replaceChildren(el("p", {}, PAGE.pick_request));
  await post("/sandbox/reset", {}).catch(notice);
  notice(PAGE.reset_done);
});
$("#invite").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = Object.fromEntries(new FormData(e.target));
  const done = await post("/sandbox/invite", data).catch(notice);
  if (!done) return;
  await refresh(false);
  const platform = done.phone.split(":")[0];
  world.current[platform] = done.phone;
  drawPhone(platform); showOnly(platform);
  e.target.reset();
});
function showOnly(platform) {
  for (const tab of document.querySelectorAll(".switcher [data-show]")) tab.setAttribute("aria-selected", tab.dataset.show === platform ? "true" : "false");
  document.body.dataset.show = platform;
  scrollDown(platform);  // a hidden phone could not scroll while it was hidden
}
for (const tab of document.querySelectorAll(".switcher [data-show]")) tab.addEventListener("click", () => showOnly(tab.dataset.show));
showOnly("line");
listen();
refresh(true);
