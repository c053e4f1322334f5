// Small behaviours of panel pages, found by element. They live in a static file, not in
// the pages: the Content-Security-Policy (bot/web/panel/security.py) allows no inline script.
(function () {
  // <form data-confirm="Question?">: ask before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // Campaigns list: counts refresh every few seconds.
  const campaigns = document.querySelector("table#campaigns[data-status-url]");
  if (campaigns) {
    const url = campaigns.dataset.statusUrl;
    async function refresh() {
      try {
        const response = await fetch(url, {credentials: "same-origin"});
        if (!response.ok) { return; }
        const data = await response.json();
        data.campaigns.forEach(function (c) {
          const row = campaigns.querySelector('tr[data-id="' + c.id + '"]');
          if (!row) { return; }
          ["sent", "pending", "failed", "blocked"].forEach(function (k) {
            row.querySelector('[data-field="' + k + '"]').textContent = c[k];
          });
          const badge = row.querySelector('[data-field="status"] span');
          badge.textContent = c.status_label || c.status; badge.className = "status status-" + c.status;
        });
      } catch (e) { /* try again at the next tick */ }
    }
    setInterval(refresh, 5000);
  }

  // Survey results: the report frame grows to its content (it may have loaded already).
  const frame = document.getElementById("report-frame");
  if (frame) {
    const fit = function () {
      try { frame.style.height = (frame.contentDocument.documentElement.scrollHeight + 20) + "px"; } catch (e) {}
    };
    frame.addEventListener("load", fit);
    fit();
  }
})();
