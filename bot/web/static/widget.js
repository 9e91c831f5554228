/*
 * Companion check-in widget.
 *
 * Embed with:
 *   <script src="https://HOST/widget.js" data-companion-target="#chat" defer></script>
 *
 * Plain JavaScript, no dependencies, no third-party requests. Every piece of text is rendered
 * with textContent, never as HTML. Only the session token and the not-yet-acknowledged messages
 * are kept in localStorage; the conversation itself is replayed by the gateway on connect.
 */
(function () {
  "use strict";

  if (window.CompanionWidget && window.CompanionWidget.__loaded) {
    return; // Embedded twice on one page: the first copy wins.
  }

  var TOKEN_KEY = "companion.token";
  var PENDING_KEY = "companion.pending";
  var MAX_CHARS = 2000;
  var COUNTER_FROM = 1800;
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 10000;
  var UNKNOWN_TOKEN = 4401;
  var TYPING_TIMEOUT_MS = 60000;
  var SLOW_SEND_MS = 2000;
  // The program's crisis resources (CRISIS_RESOURCES), written in by the gateway when it serves
  // this file; null: the footer links the US defaults.
  var PROGRAM_RESOURCES = null;

  var SENDER_PREFIX = {
    companion: "Companion:",
    client: "You:",
    worker: "Your worker:",
    system: "Notice:"
  };

  // ---------------------------------------------------------------- where we were loaded from

  function findOwnScript() {
    if (document.currentScript && document.currentScript.src) {
      return document.currentScript;
    }
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      var src = (scripts[i].getAttribute("src") || "").split(/[?#]/)[0];
      if (/(^|\/)widget\.js$/.test(src)) {
        return scripts[i];
      }
    }
    return null;
  }

  var script = findOwnScript();
  var scriptUrl = new URL(script ? script.src : "widget.js", document.baseURI);
  var base = scriptUrl.origin + scriptUrl.pathname.replace(/\/[^\/]*$/, "");
  var targetSelector = script ? script.getAttribute("data-companion-target") : null;

  // ---------------------------------------------------------------- storage (never fatal)

  var memoryStore = {};

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return Object.prototype.hasOwnProperty.call(memoryStore, key) ? memoryStore[key] : null;
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      memoryStore[key] = value;
    }
  }

  function storageRemove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* ignore */
    }
    delete memoryStore[key];
  }

  function readPendingStore() {
    try {
      var list = JSON.parse(storageGet(PENDING_KEY) || "[]");
      if (!Array.isArray(list)) {
        return [];
      }
      return list.filter(function (item) {
        return item && typeof item.client_msg_id === "string" && typeof item.text === "string";
      });
    } catch (e) {
      return [];
    }
  }

  function writePendingStore(list) {
    if (list.length) {
      storageSet(PENDING_KEY, JSON.stringify(list));
    } else {
      storageRemove(PENDING_KEY);
    }
  }

  // Read-modify-write so that two open tabs do not erase each other's unsent messages.
  function storePending(item) {
    var list = readPendingStore().filter(function (p) {
      return p.client_msg_id !== item.client_msg_id;
    });
    list.push(item);
    writePendingStore(list);
  }

  function unstorePending(clientMsgId) {
    var list = readPendingStore();
    var kept = list.filter(function (p) {
      return p.client_msg_id !== clientMsgId;
    });
    if (kept.length !== list.length) {
      writePendingStore(kept);
    }
  }

  function newClientMsgId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID();
      } catch (e) {
        /* not a secure context: fall through */
      }
    }
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = "";
    for (var j = 0; j < 16; j++) {
      hex += (bytes[j] + 0x100).toString(16).slice(1);
      if (j === 3 || j === 5 || j === 7 || j === 9) {
        hex += "-";
      }
    }
    return hex;
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  var uid = Math.random().toString(36).slice(2, 8);

  function injectStylesheet() {
    var href = base + "/widget.css" + (scriptUrl.search || "");
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === href) {
        return;
      }
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.setAttribute("data-companion-widget", "");
    (document.head || document.documentElement).appendChild(link);
  }

  // ---------------------------------------------------------------- the widget

  var ui = {};
  var rendered = {}; // server message id -> element
  var pending = []; // [{client_msg_id, text, display, el}] in send order
  var lastId = 0; // highest id of a message frame rendered from the server
  var quickReplyOwner = null; // the element currently carrying the quick-reply group

  var socket = null;
  var connected = false;
  var started = false;
  var reconnectTimer = null;
  var attempt = 0;
  var lastCloseWasUnknownToken = false;
  var typingTimer = null;

  function build(container, floating) {
    var root = el("div", "companion-widget" + (floating ? " cw-floating" : " cw-inline"));
    root.setAttribute("data-companion-widget", "");

    var panel = el("section", "cw-panel");
    panel.id = "companion-panel-" + uid;
    panel.setAttribute("aria-label", "Check-in chat");

    var header = el("div", "cw-header");
    var titles = el("div", "cw-titles");
    titles.appendChild(el("p", "cw-title", "Companion"));
    titles.appendChild(el("p", "cw-subtitle", "Your program\u2019s check-in companion \u2014 not a person"));
    header.appendChild(titles);
    panel.appendChild(header);

    var log = el("div", "cw-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", "Conversation");
    log.tabIndex = 0;
    panel.appendChild(log);

    var typing = el("div", "cw-typing");
    typing.setAttribute("role", "status");
    var typingDots = el("span", "cw-dots");
    typingDots.setAttribute("aria-hidden", "true");
    typingDots.appendChild(el("span"));
    typingDots.appendChild(el("span"));
    typingDots.appendChild(el("span"));
    typingDots.hidden = true;
    var typingText = el("span", "cw-typing-text");
    typing.appendChild(typingDots);
    typing.appendChild(typingText);
    panel.appendChild(typing);

    var conn = el("div", "cw-connection");
    conn.setAttribute("role", "status");
    panel.appendChild(conn);

    var form = el("form", "cw-form");
    form.noValidate = true;
    var inputId = "companion-input-" + uid;
    var label = el("label", "cw-sr", "Message");
    label.htmlFor = inputId;
    var input = el("textarea", "cw-input");
    input.id = inputId;
    input.name = "message";
    input.rows = 2;
    input.maxLength = MAX_CHARS;
    input.setAttribute("autocomplete", "off");
    input.setAttribute("placeholder", "Write a message\u2026");
    var counterId = "companion-counter-" + uid;
    var counter = el("p", "cw-counter");
    counter.id = counterId;
    counter.hidden = true;
    input.setAttribute("aria-describedby", counterId);
    var send = el("button", "cw-send", "Send");
    send.type = "submit";
    var row = el("div", "cw-row");
    row.appendChild(input);
    row.appendChild(send);
    form.appendChild(label);
    form.appendChild(row);
    form.appendChild(counter);
    panel.appendChild(form);

    var footer = el("p", "cw-footer");
    if (typeof PROGRAM_RESOURCES === "string") {
      footer.appendChild(document.createTextNode("Not an emergency service. " + PROGRAM_RESOURCES));
    } else {
      footer.appendChild(document.createTextNode("Not an emergency service. In danger? "));
      var call911 = el("a", null, "Call 911");
      call911.href = "tel:911";
      footer.appendChild(call911);
      footer.appendChild(document.createTextNode(" \u00b7 "));
      var call988 = el("a", null, "Call or text 988");
      call988.href = "tel:988";
      footer.appendChild(call988);
    }
    panel.appendChild(footer);

    ui = {
      root: root,
      panel: panel,
      log: log,
      typing: typing,
      typingText: typingText,
      typingDots: typingDots,
      conn: conn,
      form: form,
      input: input,
      send: send,
      counter: counter
    };

    if (floating) {
      var launcher = el("button", "cw-launcher", "Open check-in chat");
      launcher.type = "button";
      launcher.setAttribute("aria-expanded", "false");
      launcher.setAttribute("aria-controls", panel.id);
      var close = el("button", "cw-close");
      close.type = "button";
      close.setAttribute("aria-label", "Close check-in chat");
      var closeMark = el("span", null, "\u00d7");
      closeMark.setAttribute("aria-hidden", "true");
      close.appendChild(closeMark);
      header.appendChild(close);
      panel.hidden = true;
      root.appendChild(panel);
      root.appendChild(launcher);
      ui.launcher = launcher;

      launcher.addEventListener("click", function () {
        setOpen(panel.hidden);
      });
      close.addEventListener("click", function () {
        setOpen(false);
      });
      panel.addEventListener("keydown", function (event) {
        if (event.key === "Escape") {
          setOpen(false);
        }
      });
    } else {
      root.appendChild(panel);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitInput();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        submitInput();
      }
    });
    input.addEventListener("input", updateCounter);
    ui.stuck = true;
    log.addEventListener("scroll", function () {
      ui.stuck = isNearEnd();
    });

    container.appendChild(root);
  }

  function setOpen(open) {
    ui.panel.hidden = !open;
    // While the panel is open its own close button takes over; the launcher steps aside.
    ui.launcher.hidden = open;
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      start();
      scrollToEnd(true);
      ui.input.focus();
    } else {
      ui.launcher.focus();
    }
  }

  function updateCounter() {
    var length = ui.input.value.length;
    if (length >= COUNTER_FROM) {
      ui.counter.textContent = (MAX_CHARS - length) + " characters left";
      ui.counter.hidden = false;
    } else if (!ui.counter.hidden) {
      ui.counter.textContent = "";
      ui.counter.hidden = true;
    }
  }

  function isNearEnd() {
    var log = ui.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  // Follow new messages unless the reader has scrolled up to read something older.
  function scrollToEnd(force) {
    if (force || ui.stuck) {
      ui.log.scrollTop = ui.log.scrollHeight;
      ui.stuck = true;
    }
  }

  // ---------------------------------------------------------------- rendering messages

  function makeMessage(sender, text) {
    if (!Object.prototype.hasOwnProperty.call(SENDER_PREFIX, sender)) {
      sender = "system";
    }
    var item = el("div", "cw-msg cw-" + sender);
    item.setAttribute("data-sender", sender);
    item.appendChild(el("span", "cw-sr", SENDER_PREFIX[sender] + " "));
    if (sender === "worker") {
      var tag = el("span", "cw-label", "Your worker");
      tag.setAttribute("aria-hidden", "true");
      item.appendChild(tag);
    }
    var bubble = el("div", "cw-bubble", text);
    item.appendChild(bubble);
    item._cw = { bubble: bubble, buttons: null, id: null, pending: false };
    return item;
  }

  function messageId(node) {
    return node && node._cw && node._cw.id !== null ? node._cw.id : null;
  }

  // Server messages sit in id order, before any message still waiting to be sent; messages
  // without an id (local notices) count as earlier than whatever arrives after them.
  function place(node, id) {
    var children = ui.log.children;
    var ref = null;
    for (var i = children.length - 1; i >= 0; i--) {
      var child = children[i];
      if (child === node || !child._cw) {
        continue; // the quick-reply group is not a message
      }
      var childId = messageId(child);
      if ((child._cw && child._cw.pending) || (childId !== null && childId > id)) {
        ref = child;
        continue;
      }
      break;
    }
    if (node.parentNode === ui.log && node.nextSibling === ref) {
      return; // already in place: do not move it (moving re-announces it).
    }
    ui.log.insertBefore(node, ref);
  }

  function appendLocal(node) {
    ui.log.appendChild(node);
  }

  function withScroll(fn, force) {
    fn();
    refreshQuickReplies();
    scrollToEnd(force);
  }

  function findPending(clientMsgId) {
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].client_msg_id === clientMsgId) {
        return pending[i];
      }
    }
    return null;
  }

  function confirmPending(entry, id) {
    pending.splice(pending.indexOf(entry), 1);
    unstorePending(entry.client_msg_id);
    var node = entry.el;
    if (node._cw.slowTimer) {
      clearTimeout(node._cw.slowTimer);
    }
    node._cw.pending = false;
    node._cw.id = id;
    node.classList.remove("cw-pending");
    node.removeAttribute("data-pending");
    if (node._cw.note) {
      node.removeChild(node._cw.note);
      node._cw.note = null;
    }
    node.setAttribute("data-message-id", String(id));
    rendered[id] = node;
    place(node, id);
  }

  function onMessageFrame(frame) {
    var id = frame.id;
    if (typeof id !== "number" || !isFinite(id)) {
      return;
    }
    if (id > lastId) {
      lastId = id;
    }
    if (rendered[id]) {
      return; // already shown (possibly confirmed by an ack): never twice.
    }
    var sender = String(frame.sender || "system");
    var text = frame.text === null || frame.text === undefined ? "" : String(frame.text);

    withScroll(function () {
      if (sender === "client" && frame.client_msg_id) {
        var entry = findPending(String(frame.client_msg_id));
        if (entry) {
          confirmPending(entry, id);
          return;
        }
      }
      if (sender === "client") {
        // A quick reply replayed from history carries its payload; show the button's title.
        var owner = quickReplyOwner;
        if (owner && owner._cw.buttons) {
          for (var b = 0; b < owner._cw.buttons.length; b++) {
            if (owner._cw.buttons[b].payload === text && owner._cw.buttons[b].title) {
              text = owner._cw.buttons[b].title;
              break;
            }
          }
        }
      }
      var node = makeMessage(sender, text);
      node._cw.id = id;
      node.setAttribute("data-message-id", String(id));
      if (frame.created_at) {
        node.setAttribute("data-created-at", String(frame.created_at));
      }
      if (sender === "companion" && Array.isArray(frame.buttons) && frame.buttons.length) {
        node._cw.buttons = frame.buttons
          .filter(function (button) {
            return button && (button.title || button.payload);
          })
          .map(function (button) {
            var title = String(button.title || button.payload);
            var payload = button.payload ? String(button.payload) : title;
            return { title: title, payload: payload };
          });
      }
      rendered[id] = node;
      place(node, id);
    }, sender === "client");
    if (sender === "companion") {
      setTyping(false);
    }
  }

  function onAck(frame) {
    if (typeof frame.client_msg_id !== "string" || typeof frame.id !== "number") {
      return;
    }
    var entry = findPending(frame.client_msg_id);
    if (!entry) {
      return;
    }
    if (rendered[frame.id]) {
      // The server's copy arrived on its own first: keep that one and drop the local copy.
      pending.splice(pending.indexOf(entry), 1);
      unstorePending(entry.client_msg_id);
      if (entry.el.parentNode) {
        entry.el.parentNode.removeChild(entry.el);
      }
      refreshQuickReplies();
      return;
    }
    withScroll(function () {
      confirmPending(entry, frame.id);
    });
  }

  function showNotice(text) {
    withScroll(function () {
      appendLocal(makeMessage("system", text));
    }, true);
  }

  // ---------------------------------------------------------------- quick replies

  // The group belongs to the newest companion message with buttons, as long as the client has
  // not written anything after it.
  function currentQuickReplyOwner() {
    var children = ui.log.children;
    for (var i = children.length - 1; i >= 0; i--) {
      var child = children[i];
      var sender = child.getAttribute("data-sender");
      if (sender === "client") {
        return null;
      }
      if (sender === "companion" && child._cw && child._cw.buttons && child._cw.buttons.length) {
        return child;
      }
    }
    return null;
  }

  function refreshQuickReplies() {
    var owner = currentQuickReplyOwner();
    if (owner === quickReplyOwner) {
      return;
    }
    if (quickReplyOwner && quickReplyOwner._cw.group) {
      var oldGroup = quickReplyOwner._cw.group;
      var hadFocus = oldGroup.contains(document.activeElement);
      if (oldGroup.parentNode) {
        oldGroup.parentNode.removeChild(oldGroup);
      }
      quickReplyOwner._cw.group = null;
      if (hadFocus) {
        ui.input.focus();
      }
    }
    quickReplyOwner = owner;
    if (!owner) {
      return;
    }
    var group = el("div", "cw-quick");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Quick replies");
    owner._cw.buttons.forEach(function (button) {
      var btn = el("button", "cw-quick-button", button.title);
      btn.type = "button";
      btn.addEventListener("click", function () {
        sendMessage(button.payload, button.title);
        ui.input.focus();
      });
      group.appendChild(btn);
    });
    // A sibling right under the message, so the message's own text stays just its text.
    owner._cw.group = group;
    ui.log.insertBefore(group, owner.nextSibling);
  }

  // ---------------------------------------------------------------- typing and connection status

  function setTyping(on) {
    if (typingTimer) {
      clearTimeout(typingTimer);
      typingTimer = null;
    }
    if (on) {
      if (ui.typingText.textContent !== "Companion is typing\u2026") {
        ui.typingText.textContent = "Companion is typing\u2026";
      }
      ui.typingDots.hidden = false;
      ui.typing.classList.add("cw-on");
      typingTimer = setTimeout(function () {
        setTyping(false);
      }, TYPING_TIMEOUT_MS);
    } else {
      ui.typingText.textContent = "";
      ui.typingDots.hidden = true;
      ui.typing.classList.remove("cw-on");
    }
  }

  function setConnectionText(text) {
    if (ui.conn.textContent !== text) {
      ui.conn.textContent = text;
    }
    ui.conn.classList.toggle("cw-on", !!text);
  }

  // ---------------------------------------------------------------- sending

  function submitInput() {
    var text = ui.input.value.replace(/^\s+|\s+$/g, "");
    if (!text) {
      ui.input.focus();
      return;
    }
    if (text.length > MAX_CHARS) {
      text = text.slice(0, MAX_CHARS);
    }
    sendMessage(text, text);
    ui.input.value = "";
    updateCounter();
    ui.input.focus();
  }

  function showPending(entry) {
    var node = makeMessage("client", entry.display);
    node._cw.pending = true;
    node.classList.add("cw-pending");
    node.setAttribute("data-pending", "true");
    node.setAttribute("data-client-msg-id", entry.client_msg_id);
    entry.el = node;
    appendLocal(node);
    node._cw.slowTimer = setTimeout(function () {
      if (node._cw.pending && !node._cw.note) {
        node._cw.note = el("span", "cw-note", "Not sent yet \u2014 will keep trying");
        node.appendChild(node._cw.note);
      }
    }, SLOW_SEND_MS);
  }

  function sendMessage(text, display) {
    var entry = { client_msg_id: newClientMsgId(), text: text, display: display || text };
    storePending({ client_msg_id: entry.client_msg_id, text: entry.text, display: entry.display });
    pending.push(entry);
    withScroll(function () {
      showPending(entry);
    }, true);
    start();
    transmit(entry);
  }

  function transmit(entry) {
    if (!connected || !socket || socket.readyState !== 1) {
      return false; // sent after the next hello
    }
    try {
      socket.send(
        JSON.stringify({ type: "message", text: entry.text, client_msg_id: entry.client_msg_id })
      );
      return true;
    } catch (e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- connection

  function start() {
    if (started) {
      return;
    }
    started = true;
    connect();
  }

  function backoffDelay() {
    var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempt));
    attempt += 1;
    // Jitter: somewhere between half and all of the ceiling.
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function scheduleReconnect(delay) {
    if (reconnectTimer) {
      return;
    }
    setConnectionText("Reconnecting\u2026");
    reconnectTimer = setTimeout(function () {
      reconnectTimer = null;
      connect();
    }, delay === undefined ? backoffDelay() : delay);
  }

  function reconnectNow() {
    if (!started || connected || (socket && socket.readyState === 0)) {
      return;
    }
    if (reconnectTimer) {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    connect();
  }

  function getToken() {
    var token = storageGet(TOKEN_KEY);
    if (token) {
      return Promise.resolve(token);
    }
    return fetch(base + "/widget/session", {
      method: "POST",
      credentials: "omit",
      cache: "no-store"
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("session " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        if (!body || typeof body.token !== "string" || !body.token) {
          throw new Error("no token");
        }
        storageSet(TOKEN_KEY, body.token);
        return body.token;
      });
  }

  var connecting = false;

  function connect() {
    if (connecting || connected) {
      return;
    }
    connecting = true;
    getToken().then(
      function (token) {
        connecting = false;
        openSocket(token);
      },
      function () {
        connecting = false;
        scheduleReconnect();
      }
    );
  }

  function openSocket(token) {
    var url = base.replace(/^http/, "ws") + "/widget/ws?token=" + encodeURIComponent(token);
    var ws;
    // The client's own zone, so reminders come at their local time.
    function browserTimeZone() {
      try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
      } catch (e) {
        return null;
      }
    }
    try {
      ws = new WebSocket(url);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    socket = ws;

    ws.onopen = function () {
      if (socket !== ws) {
        return;
      }
      connected = true;
      ws.send(JSON.stringify({ type: "hello", after: lastId, timezone: browserTimeZone() }));
      // Everything still unacknowledged goes again, in order, under the same id.
      pending.slice().forEach(transmit);
    };

    ws.onmessage = function (event) {
      if (socket !== ws) {
        return;
      }
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!frame || typeof frame !== "object") {
        return;
      }
      // A frame from the server means the connection really works: reset the backoff.
      attempt = 0;
      lastCloseWasUnknownToken = false;
      setConnectionText("");
      handleFrame(frame);
    };

    ws.onclose = function (event) {
      if (socket !== ws) {
        return;
      }
      socket = null;
      connected = false;
      setTyping(false);
      if (event.code === UNKNOWN_TOKEN) {
        storageRemove(TOKEN_KEY);
        resetConversation();
        // The first time, get a new token at once; if it keeps happening, back off.
        var immediate = !lastCloseWasUnknownToken;
        lastCloseWasUnknownToken = true;
        scheduleReconnect(immediate ? 0 : undefined);
        return;
      }
      scheduleReconnect();
    };

    ws.onerror = function () {
      /* onclose follows and schedules the retry */
    };
  }

  // The gateway does not know this token (any more): what was on screen belonged to it. Keep
  // the messages that were never acknowledged; they go again under the new token.
  function resetConversation() {
    var children = Array.prototype.slice.call(ui.log.children);
    if (quickReplyOwner && quickReplyOwner._cw.group) {
      quickReplyOwner._cw.group = null;
    }
    children.forEach(function (child) {
      if (!(child._cw && child._cw.pending)) {
        ui.log.removeChild(child);
      }
    });
    rendered = {};
    lastId = 0;
    quickReplyOwner = null;
    refreshQuickReplies();
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "message":
        onMessageFrame(frame);
        break;
      case "typing":
        setTyping(!!frame.on);
        if (frame.on) {
          scrollToEnd(false);
        }
        break;
      case "ack":
        onAck(frame);
        break;
      case "error":
        if (frame.message) {
          showNotice(String(frame.message));
        }
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- boot

  function restorePending() {
    readPendingStore().forEach(function (item) {
      if (findPending(item.client_msg_id)) {
        return;
      }
      var entry = {
        client_msg_id: item.client_msg_id,
        text: item.text,
        display: typeof item.display === "string" && item.display ? item.display : item.text
      };
      pending.push(entry);
      showPending(entry);
    });
  }

  function boot() {
    var container = null;
    if (targetSelector) {
      try {
        container = document.querySelector(targetSelector);
      } catch (e) {
        container = null;
      }
    }
    var floating = !container;
    injectStylesheet();
    build(container || document.body, floating);
    restorePending();
    refreshQuickReplies();

    window.addEventListener("online", reconnectNow);
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        reconnectNow();
      }
    });

    // A floating launcher connects when opened, unless this visitor already has a conversation.
    if (!floating || storageGet(TOKEN_KEY) || pending.length) {
      start();
    }
  }

  window.CompanionWidget = {
    __loaded: true,
    state: function () {
      return { connected: connected, lastId: lastId, pending: pending.length };
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
