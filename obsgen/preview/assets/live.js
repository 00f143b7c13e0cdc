// obsgen preview --live: inject errors into one SLO's synthetic traffic, and watch burn rates, alert
// states and delivered notifications change. Every request goes to this page's own server (/live/),
// which proxies a few read-only Prometheus and Alertmanager API paths. No libraries, nothing external.
"use strict";
(function () {
  const POLL_MS = 2000;
  const DATA = JSON.parse(document.getElementById("obsgen-data").textContent);
  const LIVE = JSON.parse(document.getElementById("obsgen-live").textContent);
  const SLOS = {};
  for (const service of DATA.services) {
    for (const slo of service.slos) SLOS[slo.id] = {service: service.name, ...slo};
  }
  const UNITS = {s: 1, m: 60, h: 3600, d: 86400, w: 604800};
  const seconds = w => { const m = /^(\d+)([smhdw])$/.exec(w); return m ? Number(m[1]) * UNITS[m[2]] : Infinity; };
  const $ = id => document.getElementById(id);

  async function getJSON(url, options) {
    const answer = await fetch(url, options);
    if (!answer.ok) throw new Error(`${url}: HTTP ${answer.status}`);
    return answer.json();
  }

  function row(body, cells, data) {
    const tr = document.createElement("tr");
    Object.assign(tr.dataset, data);
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }

  function renderSlos(state, burns, alerts) {
    const body = document.querySelector("#live-slos tbody");
    body.replaceChildren();
    for (const traffic of state.traffic) {
      const slo = SLOS[traffic.id];
      const windows = burns.filter(r => r.metric.sloth_id === traffic.id)
        .map(r => [r.metric.sloth_window, Number(r.value[1]) / slo.budget])
        .sort((a, b) => seconds(a[0]) - seconds(b[0]));
      const mine = alerts.filter(a => a.labels.service === slo.service && a.labels.slo === slo.name);
      const mode = traffic.mode === "slow" ? `slow burn ${traffic.burn}x` : traffic.mode;
      row(body, [
        traffic.id, `${mode} (${(traffic.error_ratio * 100).toPrecision(3)}% errors)`,
        windows.map(([w, b]) => `${w}: ${b.toFixed(2)}x`).join("  "),
        mine.map(a => `${a.labels.severity} ${a.labels.long_window || ""}/${a.labels.short_window || ""} ${a.state}`)
          .join(", ") || "none",
      ], {slo: traffic.id, mode: traffic.mode, alerts: mine.map(a => a.state).join(" ")});
    }
  }

  function renderAlertmanager(alerts) {
    const body = document.querySelector("#live-am tbody");
    body.replaceChildren();
    for (const alert of alerts) {
      const l = alert.labels;
      row(body, [l.alertname, l.severity || "", `${l.long_window || ""}/${l.short_window || ""}`,
                 alert.status.state, alert.receivers.map(r => r.name).join(", ")],
          {alertname: l.alertname, state: alert.status.state});
    }
  }

  function renderNotifications(notifications) {
    const body = document.querySelector("#live-notifications tbody");
    body.replaceChildren();
    for (const n of [...notifications].reverse()) {
      row(body, [new Date(n.received_at * 1000).toLocaleTimeString(), n.receiver, n.kind, n.status, n.title],
          {receiver: n.receiver, kind: n.kind, status: n.status, title: n.title});
    }
  }

  async function poll() {
    try {
      const [state, burns, alerts, am] = await Promise.all([
        getJSON("live/state"),
        getJSON("live/prometheus/api/v1/query?query=" + encodeURIComponent(LIVE.burn_query)),
        getJSON("live/prometheus/api/v1/alerts"),
        getJSON("live/alertmanager/api/v2/alerts"),
      ]);
      renderSlos(state, burns.data.result, alerts.data.alerts);
      renderAlertmanager(am);
      renderNotifications(state.notifications);
      $("live-status").textContent = `updated ${new Date().toLocaleTimeString()}: ` +
        `${alerts.data.alerts.length} alert(s) in Prometheus, ${am.length} in Alertmanager, ` +
        `${state.notifications.length} notification(s) delivered`;
    } catch (failed) {
      $("live-status").textContent = `polling failed: ${failed.message}`;
    }
  }

  async function inject(event) {
    const burn = parseFloat($("live-burn").value);
    try {
      await getJSON("live/inject", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({slo: $("live-slo").value, mode: event.target.dataset.mode,
                              burn: burn > 0 ? burn : LIVE.slow_burn}),
      });
    } catch (failed) {
      $("live-status").textContent = `inject failed: ${failed.message}`;
    }
    poll();
  }

  for (const id of ["live-outage", "live-slow", "live-clear"]) $(id).addEventListener("click", inject);
  setInterval(poll, POLL_MS);
  poll();
})();
