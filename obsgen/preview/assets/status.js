// obsgen preview --url: every SLO's live status, as `obsgen status` computes it (obsgen/live/status.py),
// read from this page's own server (/live/status) every few seconds. Sortable by clicking a column's
// heading, filterable by team, service, state (and environment in shared mode). No libraries.
"use strict";
(function () {
  const SETTINGS = JSON.parse(document.getElementById("obsgen-status").textContent);
  const STATES = SETTINGS.states; // worst first
  const UNITS = {s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000};
  const seconds = w => [...w.matchAll(/(\d+)([smhdwy])/g)].reduce((sum, m) => sum + Number(m[1]) * UNITS[m[2]], 0);
  const $ = id => document.getElementById(id);
  let rows = [];
  let sort = {key: "state", desc: false}; // the server's order: worst state first, then least budget left

  const pct = (v, digits) => v === null ? "-" : (v * 100).toFixed(digits) + "%";
  const burn = v => v === null || v === undefined ? "-" : v.toFixed(2) + "x";
  function human(s) {
    if (s === null) return "never";
    if (s < 90) return s.toFixed(0) + " s";
    if (s < 90 * 60) return (s / 60).toFixed(1) + " min";
    if (s < 48 * 3600) return (s / 3600).toFixed(1) + " h";
    return (s / 86400).toFixed(1) + " d";
  }

  function windows() {
    const all = new Set(rows.flatMap(r => Object.keys(r.burn)));
    return [...all].sort((a, b) => seconds(a) - seconds(b));
  }

  // column: [heading, sort key (null: not sortable), cell(row) -> text or a node, numeric]
  function columns() {
    const cols = [
      ["SLO", r => r.id, r => r.service + " / " + r.slo],
      ...(SETTINGS.mode === "shared" ? [["environment", r => r.environment, r => r.environment || "-"]] : []),
      ["team", r => r.team, r => r.team],
      ["objective", r => r.objective, r => r.objective + "% / " + r.period, true],
      ["SLI now (5m)", r => r.sli_5m, r => pct(r.sli_5m, 3), true],
      ["budget left", r => r.budget_remaining, r => pct(r.budget_remaining, 1), true],
      ...windows().map(w => ["burn " + w, r => r.burn[w], r => (w in r.burn ? burn(r.burn[w]) : ""), true]),
      ["state", r => STATES.indexOf(r.state), r => r.state],
      ["firing", null, r => [...new Set(r.alerts.map(a => a.alertname))].sort().join(", ") || "-"],
      ["pages reach", null, r => r.pages.join(", ") || "never"],
      ["tickets reach", null, r => r.tickets.join(", ") || "-"],
      ["outage detected after", r => r.detects_outage_seconds, r => human(r.detects_outage_seconds), true],
      ["links", null, links],
    ];
    return cols.map(([head, key, cell, numeric]) => ({head, key, cell, numeric: !!numeric}));
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.rel = "noreferrer";
    a.textContent = text;
    return a;
  }

  function links(r) {
    const span = document.createElement("span");
    if (/^https?:\/\//.test(r.dashboard_url)) span.appendChild(link(r.dashboard_url, "dashboard"));
    if (/^https?:\/\//.test(r.runbook_url)) {
      span.appendChild(document.createTextNode(" "));
      span.appendChild(link(r.runbook_url, "runbook"));
    }
    return span;
  }

  function options(select, values) {
    const chosen = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const v of values) select.add(new Option(v, v));
    select.value = values.includes(chosen) ? chosen : "";
  }

  function shown() {
    const want = {team: $("status-team").value, service: $("status-service").value, state: $("status-state").value,
                  environment: $("status-environment") ? $("status-environment").value : ""};
    const chosen = rows.filter(r => Object.entries(want).every(([k, v]) => !v || r[k] === v));
    const col = columns().find(c => c.head === sort.key) || {key: r => STATES.indexOf(r.state)};
    if (sort.key !== "state") {
      const missing = sort.desc ? -Infinity : Infinity; // no data sorts last either way
      const value = r => { const v = col.key(r); return v === null || v === undefined ? missing : v; };
      chosen.sort((a, b) => {
        const x = value(a), y = value(b);
        const order = typeof x === "string" ? x.localeCompare(y) : x - y;
        return (sort.desc ? -order : order) || a.id.localeCompare(b.id);
      });
    } else if (sort.desc) {
      chosen.reverse();
    }
    return chosen;
  }

  function render() {
    const cols = columns();
    const head = document.createElement("tr");
    for (const c of cols) {
      const th = document.createElement("th");
      th.textContent = c.head;
      if (c.key) {
        th.dataset.sort = c.head;
        if (sort.key === c.head || (sort.key === "state" && c.head === "state")) {
          th.className = sort.desc ? "sorted-desc" : "sorted-asc";
        }
        th.addEventListener("click", () => {
          sort = {key: c.head, desc: sort.key === c.head ? !sort.desc : false};
          render();
        });
      }
      head.appendChild(th);
    }
    $("status-table").tHead.replaceChildren(head);
    const body = $("status-table").tBodies[0];
    body.replaceChildren();
    const chosen = shown();
    for (const r of chosen) {
      const tr = document.createElement("tr");
      tr.className = "state-" + r.state;
      Object.assign(tr.dataset, {id: r.id, environment: r.environment, state: r.state, team: r.team,
                                 service: r.service});
      for (const c of cols) {
        const td = document.createElement("td");
        const value = c.cell(r);
        if (value instanceof Node) td.appendChild(value); else td.textContent = value;
        if (c.numeric) td.className = "num";
        if (c.head === "state") td.className = "state";
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    const counts = STATES.map(s => [s, rows.filter(r => r.state === s).length]).filter(([, n]) => n);
    $("status-summary").textContent = `${chosen.length} of ${rows.length} rows shown; ` +
      counts.map(([s, n]) => `${n} ${s}`).join(", ") + ` (read ${new Date().toLocaleTimeString()}).`;
  }

  async function poll() {
    try {
      const answer = await fetch("live/status", {cache: "no-store"});
      const data = await answer.json();
      if (!answer.ok) throw new Error(data.error || `HTTP ${answer.status}`);
      rows = data.rows;
      options($("status-team"), [...new Set(rows.map(r => r.team))].sort());
      options($("status-service"), [...new Set(rows.map(r => r.service))].sort());
      if ($("status-environment")) options($("status-environment"), [...new Set(rows.map(r => r.environment))].sort());
      document.body.dataset.statusPolls = String(Number(document.body.dataset.statusPolls || 0) + 1);
      render();
    } catch (failed) {
      $("status-summary").textContent = "error: " + failed.message;
    }
    setTimeout(poll, SETTINGS.refresh * 1000);
  }

  for (const id of ["status-team", "status-service", "status-state", "status-environment"]) {
    if ($(id)) $(id).addEventListener("change", render);
  }
  poll();
})();
