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

  function addRow(log) {
    const empty = body.querySelector("tr.empty");
    if (empty) {
      empty.remove();
    }
    const row = body.insertRow(0);
    row.className = "live-row";

    const logHref = "/requests/" + encodeURIComponent(log.id);
    link(cell(row, ""), logHref, log.time);
    const badge = document.createElement("span");
    badge.className = "badge " + (log.status === 200 ? "ok" : "err");
    badge.textContent = String(log.status);
    cell(row, "").appendChild(badge);
    cell(row, log.kind);
    link(cell(row, ""), logHref, log.name, "name");
    cell(row, log.latency, "num");
    cell(row, log.ttft, "num");
    cell(row, log.user || "");

    const session = cell(row, "");
    if (log.session_id) {
      link(session, "/sessions/" + encodeURIComponent(log.session_id),
        log.session_name || log.session_id);
    }
    const props = cell(row, "");
    for (const [key, value] of Object.entries(log.properties || {})) {
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.textContent = key + " " + value;
      props.appendChild(chip);
    }
    cell(row, "", "preview");

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
