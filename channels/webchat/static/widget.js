/* salesbot web chat widget.
 *
 * Embed with one tag: <script src="https://YOUR-SERVER/webchat/widget.js" defer></script>
 * It defines <salesbot-chat> (Shadow DOM, so the host page's CSS cannot reach in)
 * and adds one to the page unless the page already has one. Attributes:
 * theme="light"|"dark" (default: follows prefers-color-scheme); on the script tag,
 * data-theme does the same for the auto-inserted element.
 *
 * Protocol: see channels/webchat/protocol.py. Every text is rendered with
 * textContent only; this file never parses HTML.
 *
 * Hooks for tests and host pages: window.salesbotChat.{open(), close(), send(text), element};
 * the shadow root is open; each message is li.msg with data-direction ("in"|"out"),
 * data-seq (stored lines only), data-id, data-state ("pending"|"sent"|"failed", our
 * messages not yet confirmed by their stored line) or data-greeting, and its text in span.text.
 * A reply still being written (streaming responders) is li.msg[data-draft] until its stored line comes.
 */
(() => {
  "use strict";
  // Filled in by the server when it serves this file; defaults apply otherwise.
  const SERVER_CONFIG = /*@salesbot-config*/ {};
  const script = document.currentScript || document.querySelector('script[src*="/webchat/widget.js"]');
  if (!script || customElements.get("salesbot-chat")) return;

  const BASE = new URL(script.src, location.href).href.replace(/\/widget\.js([?#].*)?$/, "");
  const WS_URL = BASE.replace(/^http/, "ws") + "/ws";
  const CFG = {
    title: SERVER_CONFIG.title || "Sales assistant",
    greeting: SERVER_CONFIG.greeting || "",
    maxChars: SERVER_CONFIG.maxChars || 2000,
  };
  const ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
  const BACKOFF_BASE_MS = 500, BACKOFF_MAX_MS = 30000;
  const PING_EVERY_MS = 25000, PONG_WAIT_MS = 10000, TYPING_MS = 15000, CACHE_MAX = 200;
  const NS = "salesbot:" + BASE + ":";

  // Storage can be disabled or full (private modes); the chat then works from memory.
  const store = {
    get(area, key) { try { return window[area].getItem(NS + key); } catch (e) { return null; } },
    set(area, key, value) { try { window[area].setItem(NS + key, value); } catch (e) { /* memory only */ } },
  };

  function randomId() {
    // randomUUID exists only in secure contexts; getRandomValues everywhere.
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function visitorId() {
    // A stable id in the browser, not the socket: a reload must keep the conversation.
    let id = store.get("localStorage", "visitor");
    if (!id || !ID_RE.test(id)) {
      id = randomId();
      store.set("localStorage", "visitor", id);
    }
    return id;
  }

  const DARK = `--sb-bg:#16191d;--sb-fg:#e8eaed;--sb-muted:#9aa4b1;--sb-border:#2d333b;
    --sb-accent:#4c8dff;--sb-accent-fg:#0b0d10;--sb-out:#23282f;--sb-error:#ff8a80;`;
  const CSS = `
    :host { all: initial; display: block; }
    :host { --sb-bg:#ffffff;--sb-fg:#1b1f24;--sb-muted:#5f6b7a;--sb-border:#d8dee4;
      --sb-accent:#1f5fd6;--sb-accent-fg:#ffffff;--sb-out:#f0f2f5;--sb-error:#b3261e; }
    :host([theme="dark"]) { ${DARK} }
    @media (prefers-color-scheme: dark) { :host(:not([theme="light"])) { ${DARK} } }
    .root { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--sb-fg);
      text-align: left; letter-spacing: normal; text-transform: none; }
    * { box-sizing: border-box; }
    button, textarea { font: inherit; color: inherit; }
    button:focus-visible, textarea:focus-visible { outline: 3px solid var(--sb-accent); outline-offset: 2px; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px;
      border: 0; border-radius: 50%; background: var(--sb-accent); color: var(--sb-accent-fg); cursor: pointer;
      box-shadow: 0 6px 20px rgba(0,0,0,.25); display: grid; place-items: center; padding: 0; }
    .launcher svg { width: 28px; height: 28px; fill: currentColor; }
    .launcher[data-unread="true"]::after { content: ""; position: absolute; top: 6px; right: 6px; width: 12px;
      height: 12px; border-radius: 50%; background: var(--sb-error); border: 2px solid var(--sb-bg); }
    .panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483001; width: 370px;
      height: min(600px, calc(100vh - 110px)); display: flex; flex-direction: column; overflow: hidden;
      background: var(--sb-bg); border: 1px solid var(--sb-border); border-radius: 14px;
      box-shadow: 0 10px 40px rgba(0,0,0,.25); }
    .panel[hidden] { display: none; }
    header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: var(--sb-accent);
      color: var(--sb-accent-fg); }
    h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
    .close { border: 0; background: transparent; font-size: 22px; line-height: 1; cursor: pointer;
      padding: 4px 8px; border-radius: 6px; color: inherit; }
    .status { margin: 0; padding: 0 14px; font-size: 13px; color: var(--sb-muted); }
    .status:empty { display: none; }
    .status:not(:empty) { padding: 6px 14px; border-bottom: 1px solid var(--sb-border); }
    .messages { flex: 1; overflow-y: auto; margin: 0; padding: 12px; list-style: none;
      display: flex; flex-direction: column; gap: 8px; }
    .msg { max-width: 85%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap;
      overflow-wrap: anywhere; }
    .msg[data-direction="out"] { align-self: flex-start; background: var(--sb-out); border-bottom-left-radius: 4px; }
    .msg[data-direction="in"] { align-self: flex-end; background: var(--sb-accent); color: var(--sb-accent-fg);
      border-bottom-right-radius: 4px; }
    .msg[data-state="pending"] { opacity: .7; }
    .msg[data-state="failed"] { opacity: 1; outline: 2px solid var(--sb-error); }
    .note { display: block; font-size: 12px; margin-top: 4px; }
    .note button { border: 0; background: none; text-decoration: underline; cursor: pointer; padding: 0;
      margin-left: 6px; }
    .replies { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
    .msg:not(:last-child) .replies { display: none; }
    .replies button { border: 1px solid var(--sb-accent); background: var(--sb-bg); color: var(--sb-accent);
      border-radius: 999px; padding: 4px 12px; cursor: pointer; }
    .typing { display: flex; gap: 4px; padding: 0 24px 8px; }
    .typing[hidden] { display: none; }
    .typing span { width: 7px; height: 7px; border-radius: 50%; background: var(--sb-muted);
      animation: sb-blink 1.2s infinite ease-in-out; }
    .typing span:nth-child(2) { animation-delay: .2s; }
    .typing span:nth-child(3) { animation-delay: .4s; }
    @keyframes sb-blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }
    @media (prefers-reduced-motion: reduce) { .typing span { animation: none; } }
    form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid var(--sb-border); }
    textarea { flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 9px 10px;
      border: 1px solid var(--sb-border); border-radius: 10px; background: var(--sb-bg); }
    .send { border: 0; border-radius: 10px; padding: 0 14px; background: var(--sb-accent);
      color: var(--sb-accent-fg); cursor: pointer; }
    @media (max-width: 480px) {
      .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }
      .root[data-open="true"] .launcher { display: none; }
    }`;

  /** A message <li>; its text sits in span.text so buttons and notes never mix into it. */
  function messageEl(attrs, text) {
    const li = el("li", Object.assign({ class: "msg" }, attrs));
    li.append(el("span", { class: "text" }, text));
    return li;
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  class SalesbotChat extends HTMLElement {
    constructor() {
      super();
      this.shadow = this.attachShadow({ mode: "open" }); // open: browser tests can look inside
      this.visitor = visitorId();
      this.lastSeq = 0;
      this.shown = new Map(); // seq -> <li>: a seq is shown once, in order
      this.inIds = new Set(); // client ids of our own messages already shown with a seq
      this.unacked = new Map(); // client id -> text: resent after every reconnect until acked
      this.pendingEls = new Map(); // client id -> <li> shown before the server gave it a seq
      this.drafts = new Map(); // draft id -> <li> of a reply still being written
      this.cache = []; // what sessionStorage keeps for a reload
      this.ws = null;
      this.ready = false;
      this.attempt = 0;
      this.build();
      this.restore();
    }

    connectedCallback() {
      this.stopped = false;
      this.onOnline = () => { if (!this.ws) this.connect(); };
      // The browser knows the network is gone before a close handshake could say so (it cannot
      // complete offline): stop sending now and show that we are reconnecting.
      this.onOffline = () => {
        if (this.ws) this.drop(true);
        this.setStatus("You are offline. Messages will be sent when the connection is back.");
      };
      window.addEventListener("online", this.onOnline);
      window.addEventListener("offline", this.onOffline);
      this.connect();
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
    }

    disconnectedCallback() {
      this.stopped = true;
      window.removeEventListener("online", this.onOnline);
      window.removeEventListener("offline", this.onOffline);
      clearInterval(this.pingTimer);
      clearTimeout(this.retryTimer);
      this.drop(false);
    }

    build() {
      this.shadow.appendChild(el("style", {}, CSS));
      const root = el("div", { class: "root" });
      this.launcher = el("button", { class: "launcher", type: "button", "aria-label": "Open chat",
        "aria-expanded": "false", "aria-controls": "sb-panel" });
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 24 24");
      svg.setAttribute("aria-hidden", "true");
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z");
      svg.appendChild(path);
      this.launcher.appendChild(svg);
      this.panel = el("section", { class: "panel", id: "sb-panel", role: "dialog", "aria-label": CFG.title });
      this.panel.hidden = true;
      const header = el("header");
      header.append(el("h2", {}, CFG.title));
      const close = el("button", { class: "close", type: "button", "aria-label": "Close chat" }, "×");
      header.append(close);
      this.status = el("p", { class: "status", role: "status" });
      this.list = el("ol", { class: "messages", "aria-live": "polite", "aria-label": "Messages" });
      this.typingEl = el("div", { class: "typing", role: "img", "aria-label": "The assistant is typing" });
      this.typingEl.append(el("span"), el("span"), el("span"));
      this.typingEl.hidden = true;
      this.form = el("form");
      this.input = el("textarea", { rows: "1", "aria-label": "Message", placeholder: "Type a message…",
        maxlength: String(CFG.maxChars) });
      this.form.append(this.input, el("button", { class: "send", type: "submit" }, "Send"));
      this.panel.append(header, this.status, this.list, this.typingEl, this.form);
      root.append(this.launcher, this.panel);
      this.shadow.appendChild(root);
      this.root = root;
      if (CFG.greeting) {
        this.list.append(messageEl({ "data-direction": "out", "data-greeting": "true" }, CFG.greeting));
      }
      this.launcher.addEventListener("click", () => (this.panel.hidden ? this.open() : this.close()));
      close.addEventListener("click", () => this.close());
      this.panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); this.close(); } });
      this.form.addEventListener("submit", (e) => { e.preventDefault(); this.submitInput(); });
      this.input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.submitInput(); }
      });
    }

    open() {
      this.panel.hidden = false;
      this.root.dataset.open = "true";
      this.launcher.setAttribute("aria-expanded", "true");
      this.launcher.dataset.unread = "false";
      this.list.scrollTop = this.list.scrollHeight;
      this.input.focus();
    }

    close() {
      this.panel.hidden = true;
      this.root.dataset.open = "false";
      this.launcher.setAttribute("aria-expanded", "false");
      this.launcher.focus();
    }

    submitInput() {
      if (this.send(this.input.value)) this.input.value = "";
    }

    /** Queue a customer message; it goes out now or after the next reconnect. */
    send(text) {
      text = String(text || "");
      if (!text.trim()) return false;
      if (text.length > CFG.maxChars) {
        this.setStatus(`Messages can be at most ${CFG.maxChars} characters.`);
        return false;
      }
      const id = randomId();
      const li = messageEl({ "data-direction": "in", "data-id": id, "data-state": "pending" }, text);
      this.list.append(li);
      this.list.scrollTop = this.list.scrollHeight;
      this.pendingEls.set(id, li);
      this.unacked.set(id, text);
      this.save();
      this.transmit(id, text);
      return true;
    }

    transmit(id, text) {
      if (this.ws && this.ready) this.ws.send(JSON.stringify({ type: "message", id, text }));
    }

    connect() {
      if (this.ws || this.stopped) return;
      clearTimeout(this.retryTimer);
      const url = `${WS_URL}?visitor=${encodeURIComponent(this.visitor)}&last_seq=${this.lastSeq}`;
      let ws;
      try { ws = new WebSocket(url); } catch (e) { this.scheduleReconnect(); return; }
      this.ws = ws;
      this.ready = false;
      ws.onmessage = (event) => { if (this.ws === ws) this.onFrame(event.data); };
      ws.onclose = () => { if (this.ws === ws) { this.drop(true); } };
    }

    /** Forget the socket (dead, closed or stuck) and, if asked, plan the next attempt. */
    drop(reconnect) {
      const ws = this.ws;
      this.ws = null;
      this.ready = false;
      clearTimeout(this.pongTimer);
      this.typingEl.hidden = true;
      this.clearDrafts(); // the replay after reconnecting brings the finished reply
      if (ws) { ws.onclose = null; ws.onmessage = null; try { ws.close(); } catch (e) { /* already gone */ } }
      if (reconnect) this.scheduleReconnect();
    }

    scheduleReconnect() {
      if (this.stopped) return;
      if (this.attempt > 0) this.setStatus("Reconnecting…");
      // Exponential backoff with jitter, so a restarted server is not hit by every page at once.
      const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
      this.attempt = Math.min(this.attempt + 1, 16);
      this.retryTimer = setTimeout(() => this.connect(), cap / 2 + Math.random() * (cap / 2));
    }

    ping() {
      if (!this.ws || !this.ready) return;
      this.ws.send(JSON.stringify({ type: "ping" }));
      clearTimeout(this.pongTimer);
      // A half-open connection never reports itself closed; no answer means start over.
      this.pongTimer = setTimeout(() => this.drop(true), PONG_WAIT_MS);
    }

    onFrame(data) {
      let frame;
      try { frame = JSON.parse(data); } catch (e) { return; }
      if (!frame || typeof frame !== "object") return;
      clearTimeout(this.pongTimer); // any frame proves the connection is alive
      if (frame.type === "message") this.onMessage(frame);
      else if (frame.type === "ready") this.onReady();
      else if (frame.type === "ack") this.onAck(frame);
      else if (frame.type === "typing") this.showTyping();
      else if (frame.type === "draft") this.onDraft(frame);
      else if (frame.type === "error") this.onError(frame);
    }

    onReady() {
      this.ready = true;
      this.attempt = 0;
      this.setStatus("");
      // Same client ids as before: the server acknowledges a stored one as a duplicate.
      for (const [id, text] of this.unacked) this.transmit(id, text);
    }

    onMessage(frame) {
      if (!Number.isInteger(frame.seq) || typeof frame.text !== "string") return;
      const msg = {
        seq: frame.seq,
        direction: frame.direction === "in" ? "in" : "out",
        text: frame.text,
        id: typeof frame.id === "string" ? frame.id : "",
        buttons: Array.isArray(frame.buttons) ? frame.buttons : [],
      };
      if (msg.direction === "in" && msg.id) {
        this.unacked.delete(msg.id); // stored, whether or not its ack got through
        const pending = this.pendingEls.get(msg.id);
        if (pending) { pending.remove(); this.pendingEls.delete(msg.id); }
      }
      if (this.render(msg)) {
        this.cache.push(msg);
        if (this.cache.length > CACHE_MAX) this.cache.splice(0, this.cache.length - CACHE_MAX);
      }
      if (msg.direction === "out") {
        this.clearDrafts(); // the stored reply replaces what was shown while it was written
        this.typingEl.hidden = true;
        if (this.panel.hidden && this.ready) this.launcher.dataset.unread = "true";
      }
      this.save();
    }

    /** Show a stored message in seq order; false if that seq is on screen already. */
    render(msg) {
      if (this.shown.has(msg.seq)) return false;
      const li = messageEl({ "data-seq": String(msg.seq), "data-direction": msg.direction, "data-id": msg.id },
        msg.text);
      if (msg.direction === "out" && msg.buttons.length) {
        const replies = el("div", { class: "replies" });
        for (const b of msg.buttons) {
          if (!b || typeof b.title !== "string" || typeof b.payload !== "string") continue;
          const button = el("button", { type: "button" }, b.title);
          button.addEventListener("click", () => {
            this.send(b.payload);
            this.input.focus(); // the pressed button disappears; keep the keyboard in the chat
          });
          replies.append(button);
        }
        li.append(replies);
      }
      let before = null;
      for (const child of this.list.children) {
        if (child.dataset.state) { before = child; break; } // our unconfirmed messages stay last
        if (child.dataset.seq !== undefined && Number(child.dataset.seq) > msg.seq) { before = child; break; }
      }
      this.list.insertBefore(li, before);
      this.shown.set(msg.seq, li);
      if (msg.direction === "in") this.inIds.add(msg.id);
      this.lastSeq = Math.max(this.lastSeq, msg.seq);
      this.list.scrollTop = this.list.scrollHeight;
      return true;
    }

    onAck(frame) {
      if (typeof frame.id !== "string") return;
      this.unacked.delete(frame.id);
      const pending = this.pendingEls.get(frame.id);
      if (!pending) return;
      if (this.inIds.has(frame.id)) { // already on screen with its seq
        pending.remove();
        this.pendingEls.delete(frame.id);
      } else {
        pending.dataset.state = "sent"; // its seq arrives with the stored line
      }
      this.save();
    }

    onError(frame) {
      const messages = {
        rate_limited: "You are sending messages too fast. Wait a moment and retry.",
        empty: "Empty messages are not sent.",
        too_big: "That message is too long.",
        unavailable: "The chat is busy. Retrying…",
      };
      const text = messages[frame.code] || "Something went wrong. Reconnecting…";
      const pending = typeof frame.id === "string" ? this.pendingEls.get(frame.id) : null;
      if (pending && frame.code !== "unavailable") {
        // Not stored: stop resending it and offer a manual retry instead.
        const original = this.unacked.get(frame.id) ?? pending.querySelector(".text").textContent;
        this.unacked.delete(frame.id);
        pending.dataset.state = "failed";
        this.markFailed(pending, frame.id, original, text);
        this.save();
      } else {
        this.setStatus(text);
      }
    }

    markFailed(li, id, original, why) {
      const note = el("span", { class: "note", role: "alert" }, why);
      const retry = el("button", { type: "button" }, "Retry");
      retry.addEventListener("click", () => {
        note.remove();
        li.dataset.state = "pending";
        this.unacked.set(id, original);
        this.save();
        this.transmit(id, original);
      });
      note.append(retry);
      li.append(note);
    }

    /** A reply being written (a streaming responder): shown in place, never stored or cached. */
    onDraft(frame) {
      if (typeof frame.id !== "string" || typeof frame.text !== "string") return;
      let li = this.drafts.get(frame.id);
      if (!li) {
        // Hidden from screen readers: the live region announces the finished line once, not every word.
        li = messageEl({ "data-direction": "out", "data-draft": frame.id, "aria-hidden": "true" }, "");
        let before = null; // above our unconfirmed messages, like a stored line
        for (const child of this.list.children) { if (child.dataset.state) { before = child; break; } }
        this.list.insertBefore(li, before);
        this.drafts.set(frame.id, li);
      }
      li.querySelector("span.text").textContent = frame.text;
      this.typingEl.hidden = true;
      this.list.scrollTop = this.list.scrollHeight;
    }

    clearDrafts() {
      for (const li of this.drafts.values()) li.remove();
      this.drafts.clear();
    }

    showTyping() {
      this.typingEl.hidden = false;
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => { this.typingEl.hidden = true; }, TYPING_MS);
    }

    setStatus(text) {
      if (this.status.textContent !== text) this.status.textContent = text;
    }

    /** Keep this tab's conversation for a reload: shown lines, last seq, unsent messages. */
    save() {
      const pending = Array.from(this.unacked, ([id, text]) => ({ id, text }));
      store.set("sessionStorage", this.visitor, JSON.stringify({ messages: this.cache, pending }));
    }

    restore() {
      let saved;
      try { saved = JSON.parse(store.get("sessionStorage", this.visitor) || "null"); } catch (e) { saved = null; }
      if (!saved || !Array.isArray(saved.messages)) return;
      for (const m of saved.messages) {
        if (!m || !Number.isInteger(m.seq) || typeof m.text !== "string") continue;
        const msg = { seq: m.seq, direction: m.direction === "in" ? "in" : "out", text: m.text,
          id: typeof m.id === "string" ? m.id : "", buttons: Array.isArray(m.buttons) ? m.buttons : [] };
        if (this.render(msg)) this.cache.push(msg);
      }
      for (const p of Array.isArray(saved.pending) ? saved.pending : []) {
        if (!p || typeof p.id !== "string" || typeof p.text !== "string" || this.inIds.has(p.id)) continue;
        const li = messageEl({ "data-direction": "in", "data-id": p.id, "data-state": "pending" }, p.text);
        this.list.append(li);
        this.pendingEls.set(p.id, li);
        this.unacked.set(p.id, p.text);
      }
    }
  }

  customElements.define("salesbot-chat", SalesbotChat);

  function mount() {
    let chat = document.querySelector("salesbot-chat");
    if (!chat) {
      chat = document.createElement("salesbot-chat");
      if (script.dataset.theme) chat.setAttribute("theme", script.dataset.theme);
      document.body.appendChild(chat);
    }
    // Test and integration hook: a page script can open the chat or send for the visitor.
    window.salesbotChat = {
      element: chat,
      open: () => chat.open(),
      close: () => chat.close(),
      send: (text) => chat.send(text),
    };
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
