// The staff preview chat (templates/preview/preview.html). A file of its own, not inline:
// the Content-Security-Policy allows scripts from the panel's static files only.
(function () {
  const root = document.getElementById("preview");
  const log = document.getElementById("preview-log");
  const note = document.getElementById("preview-note");
  const keyboard = document.getElementById("preview-keyboard");
  const langSelect = document.getElementById("preview-lang");
  const api = root.dataset.api, csrf = root.dataset.csrf;
  let busy = false;

  function lang() { return langSelect.value; }

  function buttonRow(cells, onPress) {
    const row = document.createElement("div");
    row.className = "kb-row";
    cells.forEach(function (cell, col) {
      let el;
      if (cell.url) {
        el = document.createElement("a");
        el.href = cell.url; el.target = "_blank"; el.rel = "noopener noreferrer";
      } else {
        el = document.createElement("button");
        el.type = "button";
        if (onPress) { el.addEventListener("click", function () { onPress(col, cell); }); }
        else { el.disabled = true; }
      }
      el.textContent = cell.text;
      row.appendChild(el);
    });
    return row;
  }

  function show(data) {
    log.replaceChildren();
    let lastKeyboard = [];
    data.messages.forEach(function (m) {
      const bubble = document.createElement("div");
      bubble.className = "bubble " + (m.from === "bot" ? "bot" : "you");
      bubble.dataset.messageId = m.id;
      const body = document.createElement("div");
      body.className = "text";
      body.innerHTML = (m.media ? m.media + " " : "") + m.html;  // built and escaped by the server
      bubble.appendChild(body);
      if (m.buttons.length) {
        const kb = document.createElement("div");
        kb.className = "kb";
        m.buttons.forEach(function (cells, row) {
          kb.appendChild(buttonRow(cells, function (col, cell) {
            act("press", {message_id: m.id, row: row, col: col, label: cell.text});
          }));
        });
        bubble.appendChild(kb);
      }
      if (m.from === "bot" && m.keyboard.length) { lastKeyboard = m.keyboard; }
      log.appendChild(bubble);
    });
    keyboard.replaceChildren();
    lastKeyboard.forEach(function (labels) {
      keyboard.appendChild(buttonRow(labels.map(function (t) { return {text: t}; }),
        function (col, cell) { act("send", {text: cell.text}); }));
    });
    note.textContent = data.note || data.error || "";
    log.scrollTop = log.scrollHeight;
  }

  function setBusy(on) {
    // Buttons are disabled while the bot works: a second press would hit a screen that is
    // about to change.
    busy = on;
    if (on) { root.setAttribute("aria-busy", "true"); } else { root.removeAttribute("aria-busy"); }
    root.querySelectorAll("button").forEach(function (b) { b.disabled = on; });
    langSelect.disabled = on;
    document.getElementById("preview-reset").disabled = on;
  }

  async function call(method, url, body) {
    setBusy(true);
    try {
      const response = await fetch(url, {
        method: method, credentials: "same-origin",
        headers: method === "POST" ? {"Content-Type": "application/json", "X-CSRF-Token": csrf} : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const data = await response.json().catch(function () { return {error: "The panel answered " + response.status + "."}; });
      if (data.messages) { show(data); } else { note.textContent = data.error || ""; }
    } catch (err) {
      note.textContent = "The panel could not be reached.";
    } finally {
      setBusy(false);
    }
  }

  function act(action, extra) {
    if (busy) { return; }
    call("POST", api + "/" + action, Object.assign({lang: lang()}, extra || {}));
  }

  document.getElementById("preview-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const input = document.getElementById("preview-text");
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    act("send", {text: text});
  });
  document.getElementById("preview-reset").addEventListener("click", function () { act("reset"); });
  langSelect.addEventListener("change", function () {
    history.replaceState(null, "", "?lang=" + encodeURIComponent(lang()));
    call("GET", api + "/chat?lang=" + encodeURIComponent(lang()));
  });
  call("GET", api + "/chat?lang=" + encodeURIComponent(lang()));
})();
