// obsgen preview: the burn-rate simulator and the dashboard grids. No libraries, nothing fetched.
// The simulator is obsgen/preview/simulate.py in JavaScript; the browser test checks they agree.
"use strict";

const STEP = 30; // seconds between simulated evaluations, as in simulate.py
const DATA = JSON.parse(document.getElementById("obsgen-data").textContent);
const RAMP = DATA.ramp_seconds; // burnrate.BASE_WINDOW
const SLOS = {};
for (const service of DATA.services) for (const slo of service.slos) SLOS[slo.id] = slo;

// burnrate.held: the seconds of the errors of [start, end) a window ending at t holds, as the rules
// read it; a window derived from the 5m rates fills along their 5-minute ramp, a raw one at once.

function rawHeld(x) {
  return Math.max(x, 0);
}

function derivedHeld(x) {
  if (x <= 0) return 0;
  return x <= RAMP ? x * x / (2 * RAMP) : x - RAMP / 2;
}

function held(t, window, start, end, raw) {
  const g = raw ? rawHeld : derivedHeld;
  return g(t - start) - g(t - window - start) - g(t - end) + g(t - window - end);
}

function windowRatio(t, window, ratio, duration, raw) {
  return ratio * held(t, window, 0, duration, raw) / window;
}

function condition(t, alert, budget, ratio, duration) {
  const limit = alert.factor * budget;
  return windowRatio(t, alert.long_seconds, ratio, duration, alert.long_raw) > limit &&
         windowRatio(t, alert.short_seconds, ratio, duration, alert.short_raw) > limit;
}

function simulate(alert, budget, ratio, duration) {
  const horizon = duration + alert.long_seconds + RAMP + STEP;
  const steps = Math.floor(horizon / STEP) + 1;
  let since = null, fired = null;
  for (let i = 1; i <= steps; i++) {
    const t = i * STEP;
    const holds = condition(t, alert, budget, ratio, duration);
    if (fired === null) {
      since = holds ? (since !== null ? since : t) : null;
      if (since !== null && t - since >= alert.for_seconds) fired = t;
    } else if (!holds) {
      return {fires: fired, resolves: t};
    }
  }
  return {fires: fired, resolves: null};
}

function human(seconds) {
  if (seconds === null) return "never";
  if (seconds < 90) return seconds.toFixed(0) + " s";
  if (seconds < 90 * 60) return (seconds / 60).toFixed(1) + " min";
  if (seconds < 48 * 3600) return (seconds / 3600).toFixed(1) + " h";
  return (seconds / 86400).toFixed(1) + " d";
}

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b"];

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// The time axis is scaled to the event: from the start of the errors to the last time an alert fires
// or resolves (or the event's end), plus a margin, in round steps, so a 3-hour event is not drawn on
// the 3-day axis of the longest window.
const TICK_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 345600, 604800,
                    1209600];
const MAX_TICKS = 8;

function axis(duration, outcomes) {
  const moments = outcomes.flatMap(o => [o.fires, o.resolves]).filter(t => t !== null);
  const end = Math.max(duration, ...moments) * 1.1;
  const step = TICK_STEPS.find(s => end / s <= MAX_TICKS) || TICK_STEPS[TICK_STEPS.length - 1];
  return {horizon: Math.ceil(end / step) * step, step};
}

function shortDuration(seconds) {  // 90m, 6h, 2d: as durations are written in specs
  if (seconds % 86400 === 0) return seconds / 86400 + "d";
  if (seconds % 3600 === 0) return seconds / 3600 + "h";
  if (seconds >= 3600) return Math.floor(seconds / 3600) + "h" + (seconds % 3600) / 60 + "m";
  return seconds / 60 + "m";
}

function plot(slo, ratio, duration, outcomes) {
  const svg = document.getElementById("sim-plot");
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const W = 900, H = 320, L = 50, B = 30, T = 10, R = 150;
  const {horizon, step} = axis(duration, outcomes);
  svg.dataset.horizon = String(horizon);
  svg.dataset.step = String(step);
  const sample = horizon / 400;
  const series = slo.alerts.map(alert => {
    const values = [];
    for (let i = 0; i <= 400; i++) {
      const t = i * sample;
      values.push([t, windowRatio(t, alert.long_seconds, ratio, duration, alert.long_raw) / slo.budget]);
    }
    return values;
  });
  const peak = Math.max(1, ...series.flat().map(v => v[1]), ...slo.alerts.map(a => a.factor));
  const maxBurn = peak * 1.15;
  const x = t => L + (W - L - R) * t / horizon;
  const y = b => H - B - (H - B - T) * b / maxBurn;
  svg.appendChild(svgEl("rect", {x: x(0), y: T, width: x(Math.min(duration, horizon)) - x(0), height: H - B - T,
                                 fill: "#fde8e8", class: "event"}));
  svg.appendChild(svgEl("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#333"}));
  svg.appendChild(svgEl("line", {x1: L, y1: T, x2: L, y2: H - B, stroke: "#333"}));
  for (let t = 0; t <= horizon; t += step) {
    svg.appendChild(svgEl("line", {x1: x(t), x2: x(t), y1: H - B, y2: H - B + 4, stroke: "#333", class: "tick"}));
    svg.appendChild(svgEl("text", {x: x(t), y: H - 10, "font-size": 11, "text-anchor": "middle", class: "tick-label"},
                          t === 0 ? "0" : shortDuration(t)));
  }
  svg.appendChild(svgEl("text", {x: W - R + 4, y: H - 10, "font-size": 11}, "since errors began"));
  svg.appendChild(svgEl("text", {x: 4, y: T + 10, "font-size": 11}, maxBurn.toFixed(1) + "x"));
  slo.alerts.forEach((alert, i) => {
    const color = COLORS[i % COLORS.length];
    const points = series[i].map(([t, burn]) => x(t).toFixed(1) + "," + y(burn).toFixed(1));
    svg.appendChild(svgEl("polyline", {points: points.join(" "), fill: "none", stroke: color, "stroke-width": 2,
                                       class: "burn", "data-alert": alert.name + " " + alert.long}));
    svg.appendChild(svgEl("line", {x1: L, x2: W - R, y1: y(alert.factor), y2: y(alert.factor), stroke: color,
                                   "stroke-dasharray": "4 3"}));
    svg.appendChild(svgEl("text", {x: W - R + 4, y: y(alert.factor) + 4, "font-size": 11, fill: color},
                          alert.severity + " " + alert.long + " " + Number(alert.factor.toPrecision(4)) + "x"));
    const fires = outcomes[i].fires;
    if (fires !== null && fires <= horizon) {  // where the alert fires, on its factor's line
      svg.appendChild(svgEl("circle", {cx: x(fires), cy: y(alert.factor), r: 4, fill: color, class: "fires"}));
    }
  });
}

function run() {
  const slo = SLOS[document.getElementById("sim-slo").value];
  if (!slo) return;
  const ratio = Math.min(1, Math.max(0, parseFloat(document.getElementById("sim-ratio").value) / 100 || 0));
  const duration = Math.max(60, (parseFloat(document.getElementById("sim-minutes").value) || 1) * 60);
  const consumed = ratio * duration / (slo.budget * slo.period_seconds);
  document.getElementById("sim-budget").textContent =
    `${(ratio * 100).toPrecision(3)}% errors for ${human(duration)} consume ${(consumed * 100).toFixed(1)}% ` +
    `of the ${slo.period} error budget (${slo.budget_minutes} min of full outage).`;
  const body = document.querySelector("#sim-table tbody");
  body.replaceChildren();
  const outcomes = slo.alerts.map(alert => simulate(alert, slo.budget, ratio, duration));
  slo.alerts.forEach((alert, i) => {
    const outcome = outcomes[i];
    const row = document.createElement("tr");
    row.dataset.alert = alert.name + " " + alert.long;
    row.dataset.fires = outcome.fires === null ? "" : String(outcome.fires);
    row.dataset.resolves = outcome.resolves === null ? "" : String(outcome.resolves);
    for (const text of [alert.name, alert.severity, alert.long + " / " + alert.short, Number(alert.factor.toPrecision(4)) + "x",
                        human(outcome.fires), human(outcome.resolves)]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.appendChild(cell);
    }
    body.appendChild(row);
  });
  plot(slo, ratio, duration, outcomes);
}

// More than a handful of services: the header's filter hides the services (and their links) that
// do not match the name typed or the team chosen.
function filterServices() {
  const search = document.getElementById("svc-search");
  if (!search) return;
  const text = search.value.trim().toLowerCase();
  const team = document.getElementById("svc-team").value;
  const all = document.querySelectorAll("section.service");
  let shown = 0;
  for (const el of document.querySelectorAll("section.service, header nav li")) {
    const match = el.dataset.service.includes(text) && (!team || el.dataset.team === team);
    el.hidden = !match;
    if (match && el.tagName === "SECTION") shown++;
  }
  document.getElementById("svc-shown").textContent = `${shown} of ${all.length} services shown`;
}

function layoutGrids() {
  for (const panel of document.querySelectorAll(".grid .panel")) {
    const d = panel.dataset;
    panel.style.gridColumn = `${Number(d.x) + 1} / span ${Number(d.w)}`;
    panel.style.gridRow = `${Number(d.y) + 1} / span ${Number(d.h)}`;
  }
}

for (const id of ["sim-slo", "sim-ratio", "sim-minutes"]) {
  document.getElementById(id).addEventListener("input", run);
  document.getElementById(id).addEventListener("change", run);
}
for (const id of ["svc-search", "svc-team"]) {
  const el = document.getElementById(id);
  if (el) el.addEventListener("input", filterServices);
  if (el) el.addEventListener("change", filterServices);
}
layoutGrids();
run();
