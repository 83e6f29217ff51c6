// Bijli Sahayak web chat: socket.io (user_uttered / bot_uttered, channels/webchat.py). The server
// issues a signed session token; the page keeps it across reloads (so a payment confirmation pushed
// later still reaches it) and offers it back, and the server keeps it only if it verifies. Messages
// carry no session: the server knows which session the socket asked for.
(function () {
  "use strict";
  var KEY = "bijli.webchat.session";
  var log = document.getElementById("log");
  var statusEl = document.getElementById("status");
  var input = document.getElementById("text");
  var sessionId = null;   // the signed token "<sender>.<tag>"
  try { sessionId = window.localStorage.getItem(KEY); } catch (e) { /* private mode */ }

  var socket = io({ path: "/socket.io" });

  function scroll() { log.scrollTop = log.scrollHeight; }

  // Text with links made clickable; built from DOM nodes, never innerHTML (no injection).
  var LINK = /((?:https?|upi):\/\/[^\s<>"]+)/g;
  function textNode(parent, text) {
    var last = 0, m;
    LINK.lastIndex = 0;
    while ((m = LINK.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement("a");
      a.href = m[1];
      a.textContent = m[1];
      if (m[1].indexOf("http") === 0) { a.target = "_blank"; a.rel = "noopener"; }
      parent.appendChild(a);
      last = m.index + m[1].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function bubble(who, text) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    if (text) { textNode(div, text); }
    log.appendChild(div);
    scroll();
    return div;
  }

  function send(text, shown) {
    if (!text || !sessionId) { return; }
    bubble("user", shown || text);
    socket.emit("user_uttered", { message: text });
  }

  socket.on("connect", function () {
    statusEl.textContent = "online";
    socket.emit("session_request", { session_id: sessionId });
  });
  socket.on("disconnect", function () { statusEl.textContent = "offline – reconnecting…"; });
  socket.on("connect_error", function (err) {
    // Refused by the server (too many chats open from this network): say why; it will not retry.
    statusEl.textContent = (!socket.active && err && err.message) ? err.message : "offline – reconnecting…";
  });

  socket.on("session_confirm", function (id) {
    sessionId = typeof id === "string" ? id : (id && id.session_id);
    try { window.localStorage.setItem(KEY, sessionId); } catch (e) { /* private mode */ }
    document.body.setAttribute("data-session", String(sessionId).split(".")[0]);
  });

  socket.on("bot_uttered", function (msg) {
    if (!msg) { return; }
    var div = null;
    if (msg.text) { div = bubble("bot", msg.text); }
    var att = msg.attachment;
    var src = (att && att.type === "image" && att.payload && att.payload.src) || msg.image;
    if (src) {
      div = div || bubble("bot", "");
      var img = document.createElement("img");
      img.src = src;
      img.alt = "QR";
      img.onload = scroll;
      div.appendChild(img);
    }
    var buttons = msg.quick_replies || msg.buttons || [];
    if (buttons.length) {
      var box = document.createElement("div");
      box.className = "buttons";
      buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.setAttribute("data-payload", b.payload);
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        box.appendChild(btn);
      });
      log.appendChild(box);
      scroll();
    }
  });

  document.getElementById("composer").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (text) { send(text); input.value = ""; }
    input.focus();
  });

  document.getElementById("restart").addEventListener("click", function () {
    try { window.localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
    sessionId = null;
    log.textContent = "";
    socket.emit("session_request", { session_id: null });
  });
}());
