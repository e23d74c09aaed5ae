// Live mode of the requests page: new logs arrive over server-sent events from /live and are
// prepended to the table. Every value is set with textContent, never parsed as markup.
"use strict";

(function () {
  const toggle = document.getElementById("live-toggle");
  const table = document.getElementById("requests");
  if (!toggle || !table) {
    return;
  }
  const status = document.getElementById("live-status");
  const body = table.tBodies[0];
  const maxRows = 500;
  let source = null;

  function cell(row, text, className) {
    const td = row.insertCell();
    if (className) {
      td.className = className;
    }
    td.textContent = text;
    return td;
  }

  function link(td, href, text, className) {
    td.textContent = "";
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (className) {
      a.className = className;
    }
    td.appendChild(a);
  }

  function span(parent, text, className) {
    const el = document.createElement("span");
    el.className = className;
    el.textContent = text;
    parent.appendChild(el);
    return el;
  }

  // addRow builds the same cells, with the same classes, as the server's requests template.
  function addRow(log) {
    const empty = body.querySelector("tr.empty");
    if (empty) {
      empty.remove();
    }
    const row = body.insertRow(0);
    row.className = "live-row";

    const logHref = "/requests/" + encodeURIComponent(log.id);
    link(cell(row, ""), logHref, log.time);
    span(cell(row, ""), log.status_text || String(log.status),
      "badge " + (log.status === 200 ? "ok" : "err"));
    span(cell(row, ""), log.kind, "kind kind-" + log.kind);
    link(cell(row, ""), logHref, log.name, "name");
    cell(row, log.latency, "num");
    cell(row, log.ttft, "num");
    cell(row, log.user || "");

    const session = cell(row, "");
    if (log.session_id) {
      link(session, "/sessions/" + encodeURIComponent(log.session_id),
        log.session_name || log.session_id);
    }
    const props = cell(row, "", "props");
    const entries = Object.entries(log.properties || {});
    entries.sort(function (a, b) {
      if (a[0] === b[0]) {
        return 0;
      }
      return a[0] < b[0] ? -1 : 1;
    });
    for (const [key, value] of entries) {
      const chip = span(props, "", "chip");
      span(chip, key, "chip-key");
      chip.appendChild(document.createTextNode(" " + value));
    }
    const preview = cell(row, "", "preview");
    if (log.error) {
      span(preview, log.error, "err-text");
      preview.appendChild(document.createTextNode(" "));
    }
    preview.appendChild(document.createTextNode(log.preview || ""));

    while (body.rows.length > maxRows) {
      body.deleteRow(body.rows.length - 1);
    }
  }

  function start() {
    const q = table.dataset.q || "";
    source = new EventSource("/live?q=" + encodeURIComponent(q));
    status.textContent = "connecting";
    source.addEventListener("open", function () {
      status.textContent = "live";
    });
    source.addEventListener("log", function (event) {
      addRow(JSON.parse(event.data));
    });
    source.addEventListener("error", function () {
      // EventSource retries a dropped stream by itself, but not a response other than 200,
      // such as 400 for an invalid filter or 401 after the session ended.
      if (source && source.readyState === EventSource.CLOSED) {
        source.close();
        source = null;
        toggle.checked = false;
        toggle.disabled = true;
        status.textContent =
          "live mode stopped: the filter is invalid or the session ended; reload the page";
        return;
      }
      status.textContent = "reconnecting";
    });
  }

  function stop() {
    if (source) {
      source.close();
      source = null;
    }
    status.textContent = "";
  }

  toggle.addEventListener("change", function () {
    if (toggle.checked) {
      start();
    } else {
      stop();
    }
  });
})();
