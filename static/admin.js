// admin.js — the admin panel: polls GET /api/admin/stats every 5 s and shows system load, sessions, traffic,
// latency, index and backends, with two live charts of the last hour (charts.js); in cluster mode also every
// instance (from its heartbeat in Redis) with the cluster's totals and Redis's state; the documents section
// (admin_documents.js) and the reports (admin_reports.js) load once signed in and on demand.
// The admin token is asked for only when the server answers 401/403; it is kept in sessionStorage (this tab
// only) and can be forgotten. Polling pauses while the tab is hidden or while the token form is shown.
// Non-goals: changing server settings, ending sessions, keeping history beyond what the server sends.

import { initDocuments, refreshDocuments, renderDocumentsAgain } from "./admin_documents.js";
import { initReports, refreshReports, renderReportsAgain } from "./admin_reports.js";

import { ApiError, getAdminStats, isAuthError } from "./api.js";
import { drawLineChart } from "./charts.js";
import { cell, dateTime, fillTable } from "./dom.js";
import { initLanguageToggle, lang, onLangChange, t } from "./i18n.js";

const TOKEN_KEY = "mygallery.adminToken";
const REFRESH_MS = 5000;
const $ = (id) => document.getElementById(id);

const state = {
  token: readToken(),
  stats: null,
  updatedAt: null,
  timer: 0,
  waitingForToken: false,
  status: "loading",
  fetchError: "",
  sectionsLoaded: false, // documents and reports, loaded once signed in
};

// --- token --------------------------------------------------------------------------------------------------

function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

function saveToken(token) {
  state.token = token;
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Without storage the token lasts until the page is reloaded.
  }
  $("token-clear").hidden = !token;
}

function showTokenForm(errorText) {
  state.waitingForToken = true;
  clearTimeout(state.timer);
  $("stats").hidden = true;
  $("token-form").hidden = false;
  const error = $("token-error");
  error.textContent = errorText;
  error.hidden = !errorText;
  $("token-input").focus();
}

// --- formatting ---------------------------------------------------------------------------------------------

function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

function number(value, digits = 0) {
  if (!isNumber(value)) return "—";
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: digits }).format(value);
}

function percent(value, digits = 1) {
  return isNumber(value) ? `${number(value, digits)} %` : "—";
}

function milliseconds(value) {
  return isNumber(value) ? `${number(value, value < 10 ? 1 : 0)} ms` : "—";
}

function duration(seconds) {
  if (!isNumber(seconds)) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (d) return h ? t("duration.dh", { d, h }) : t("duration.d", { d });
  if (h) return m ? t("duration.hm", { h, m }) : t("duration.h", { h });
  if (m) return rest ? t("duration.ms", { m, s: rest }) : t("duration.m", { m });
  return t("duration.s", { s });
}

function clockTime(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleTimeString(lang(), { hour: "2-digit", minute: "2-digit" });
}

function text(id, value) {
  const node = $(id);
  delete node.dataset.i18n; // a value, not a label: the language toggle must not overwrite it
  node.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
}

function bar(id, fraction) {
  const fill = $(id);
  const value = isNumber(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  fill.style.width = `${(value * 100).toFixed(1)}%`;
  fill.dataset.level = value >= 0.9 ? "high" : value >= 0.7 ? "warn" : "ok";
}

// --- rendering ----------------------------------------------------------------------------------------------

function renderStatus() {
  const box = $("admin-status");
  box.dataset.state = state.status;
  const key = { ok: "admin.status_ok", error: "admin.status_error", auth: "admin.auth_required" }[state.status] || "admin.status_loading";
  const label = $("status-text");
  label.dataset.i18n = key;
  label.textContent = t(key);
  if (state.updatedAt) text("last-updated", state.updatedAt.toLocaleTimeString(lang()));
  const error = $("admin-error");
  error.textContent = state.fetchError ? t("admin.fetch_failed", { message: state.fetchError }) : "";
  error.hidden = !state.fetchError;
}

function renderSystem(stats) {
  const system = stats.system || {};
  text("version", stats.version);
  text("uptime", duration(stats.uptime_s));
  text("instance", stats.instance);
  text("cpu", percent(system.cpu_percent));
  bar("cpu-bar", system.cpu_percent / 100);
  text("memory", percent(system.memory_percent));
  bar("memory-bar", system.memory_percent / 100);
  text("memory-rss", isNumber(system.memory_rss_mb) ? `${number(system.memory_rss_mb, 1)} MB` : "—");
  text("disk", percent(system.disk_percent));
  bar("disk-bar", system.disk_percent / 100);
  text("threads", number(system.threads));
  text("server-time", dateTime(stats.time));
}

function renderTraffic(stats) {
  const sessions = stats.sessions || {};
  const requests = stats.requests || {};
  const latency = stats.latency || {};
  text("sessions-active", `${number(sessions.active)} / ${number(sessions.max)}`);
  bar("sessions-bar", sessions.max ? sessions.active / sessions.max : 0);
  text("session-timeout", isNumber(sessions.timeout_minutes) ? duration(sessions.timeout_minutes * 60) : "—");
  text("requests-total", number(requests.total));
  text("requests-errors", t("admin.errors", { n: number(requests.errors) }));
  text("request-rate", isNumber(requests.rate_per_min) ? `${number(requests.rate_per_min, 1)} ${t("admin.per_min")}` : "—");
  text("error-rate", isNumber(requests.error_rate) ? percent(requests.error_rate * 100, 2) : "—");
  text("latency-p50", milliseconds(latency.p50_ms));
  text("latency-p95", milliseconds(latency.p95_ms));
  text("latency-p99", milliseconds(latency.p99_ms));
  text("latency-window", isNumber(latency.window_s) ? t("admin.latency_window", { window: duration(latency.window_s) }) : "");
}

function counts(object) {
  const entries = Object.entries(object || {});
  return entries.length ? entries.map(([name, count]) => `${name}: ${number(count)}`).join(", ") : "—";
}

function renderIndex(stats) {
  const index = stats.index || {};
  const backends = stats.backends || {};
  text("index-docs", number(index.docs));
  text("index-chunks", number(index.chunks));
  text("index-built", index.ready === false && index.problem ? index.problem : dateTime(index.built_at));
  text("index-embedding", [backends.embedding, index.embedding].filter(Boolean).join(" · "));
  text("index-tokenizer", index.tokenizer);
  text("backend-answer", backends.answer);
  const processes = backends.answer_processes || {};
  text("answer-processes", processes.started
    ? `${number(processes.alive)} / ${number(processes.started)} · ${number(processes.own_memory_mb)} MB` : "0");
  text("answers-by-backend", counts(backends.answers_by_backend));
  text("fallbacks", number(backends.fallbacks));
  const byStatus = Object.entries((stats.requests || {}).by_status || {}).sort(([a], [b]) => a.localeCompare(b));
  $("by-status").replaceChildren(...byStatus.flatMap(([status, count]) => {
    const term = document.createElement("dt");
    term.textContent = status;
    const value = document.createElement("dd");
    value.textContent = number(count);
    return [term, value];
  }));
}

function renderSessionsTable(stats) {
  const list = (stats.sessions || {}).list || [];
  const rows = list.map((session) => {
    const tr = document.createElement("tr");
    const id = document.createElement("code");
    id.textContent = `${session.id_prefix ?? ""}…`;
    tr.append(cell(id), cell(duration(session.age_s), "number"), cell(duration(session.idle_s), "number"),
      cell(number(session.messages), "number"));
    return tr;
  });
  fillTable($("sessions-table"), rows, t("admin.no_sessions"));
}

function renderCluster(stats) {
  const cluster = stats.cluster;
  $("cluster").hidden = !cluster;
  if (!cluster) return;
  const totals = cluster.totals || {};
  let summary = t("admin.cluster_totals", {
    alive: number(totals.alive), total: number(totals.instances), rate: number(totals.requests_per_s, 1),
    memory: number(totals.memory_rss_mb), p95: milliseconds(totals.p95_ms),
  });
  if ((totals.generations || []).length > 1) {
    summary += " " + t("admin.generations_differ", { generations: totals.generations.join(", ") });
  }
  text("cluster-totals", summary);
  const redis = cluster.redis || {};
  text("cluster-redis", redis.up ? t("admin.redis_up", { url: redis.url }) : t("admin.redis_down", { problem: redis.problem }));
  const rows = (cluster.instances || []).map((instance) => {
    const tr = document.createElement("tr");
    const id = document.createElement("code");
    id.textContent = instance.id;
    const who = document.createElement("span");
    who.append(id, ` ${instance.address ?? ""}`);
    if (instance.id === cluster.instance) who.append(` (${t("admin.this_instance")})`);
    const state = cell(t(instance.alive ? "admin.state_up" : "admin.state_down"));
    state.dataset.state = instance.alive ? "up" : "down";
    tr.append(cell(who), state,
      cell(isNumber(instance.heartbeat_age_s) ? t("admin.seconds_ago", { s: number(instance.heartbeat_age_s, 1) }) : "—", "number"),
      cell(instance.generation ?? "—"), cell(number(instance.requests_per_s, 2), "number"),
      cell(milliseconds(instance.p95_ms), "number"),
      cell(isNumber(instance.memory_rss_mb) ? `${number(instance.memory_rss_mb)} MB` : "—", "number"));
    return tr;
  });
  $("instances-table").tBodies[0].replaceChildren(...rows);
}

function renderCharts(stats) {
  const history = Array.isArray(stats.history) ? stats.history : [];
  const end = isNumber(stats.time) ? stats.time : undefined;
  const common = { end, spanSeconds: 3600, emptyText: t("admin.no_data"), formatTime: clockTime };
  drawLineChart($("chart-latency"), {
    ...common,
    title: t("admin.chart_latency"),
    series: [
      { label: t("admin.series_p50"), points: history.map((p) => ({ t: p.t, v: p.p50_ms })) },
      { label: t("admin.series_p95"), points: history.map((p) => ({ t: p.t, v: p.p95_ms })) },
    ],
    formatValue: milliseconds,
    formatTick: (v) => number(v),
  });
  drawLineChart($("chart-sessions"), {
    ...common,
    title: t("admin.chart_sessions"),
    integer: true,
    series: [{ label: t("admin.sessions_active"), points: history.map((p) => ({ t: p.t, v: p.sessions })) }],
    formatValue: (v) => number(v),
  });
}

function render() {
  renderStatus();
  const stats = state.stats;
  if (!stats) return;
  renderSystem(stats);
  renderTraffic(stats);
  renderIndex(stats);
  renderCluster(stats);
  renderSessionsTable(stats);
  renderCharts(stats);
}

// --- polling ------------------------------------------------------------------------------------------------

function authFailed(error) {
  const hadToken = Boolean(state.token);
  if (hadToken) saveToken("");
  state.status = "auth";
  state.fetchError = "";
  state.sectionsLoaded = false;
  renderStatus();
  const reason = hadToken ? t("admin.token_rejected") : t("admin.auth_required");
  showTokenForm(error.message ? `${reason} (${error.message})` : reason);
}

/** Texts set with parameters (data-i18n-key / -args) follow the language too. */
function schedule() {
  clearTimeout(state.timer);
  if (!document.hidden && !state.waitingForToken) state.timer = setTimeout(refresh, REFRESH_MS);
}

async function refresh() {
  clearTimeout(state.timer);
  try {
    state.stats = await getAdminStats(state.token);
    state.updatedAt = new Date();
    state.status = "ok";
    state.fetchError = "";
    state.waitingForToken = false;
    $("token-form").hidden = true;
    $("stats").hidden = false;
    if (!state.sectionsLoaded) {
      state.sectionsLoaded = true;
      refreshDocuments();
      refreshReports();
    }
  } catch (error) {
    if (isAuthError(error)) {
      authFailed(error);
      return;
    }
    state.status = "error";
    state.fetchError = error instanceof ApiError ? error.message || error.code : String(error);
  }
  render();
  schedule();
}

function init() {
  initLanguageToggle($("lang-toggle"));
  onLangChange(() => {
    render();
    renderDocumentsAgain();
    renderReportsAgain();
  });
  initDocuments({ token: () => state.token, onAuthError: authFailed, onIndexChanged: () => refresh() });
  initReports({ token: () => state.token, onAuthError: authFailed });
  $("token-clear").hidden = !state.token;
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("token-input");
    const token = input.value.trim();
    if (!token) {
      input.focus();
      return;
    }
    input.value = "";
    saveToken(token);
    state.waitingForToken = false;
    $("token-form").hidden = true;
    refresh();
  });
  $("token-clear").addEventListener("click", () => {
    // Ask the server again without a token: it decides whether one is needed (it is not for local clients
    // of a server without ADMIN_TOKEN), and a 401 brings the form back.
    saveToken("");
    state.stats = null;
    state.sectionsLoaded = false;
    $("stats").hidden = true;
    refresh();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !state.waitingForToken) refresh();
  });
  refresh();
}

init();
