// admin_reports.js — the admin panel's reports, over a chosen period: the ratings users gave answers (question,
// answer, sources, comment), the questions the documents could not answer — what to add to them next — and the
// most asked questions; each downloadable as CSV or JSON (fetched with the admin token, saved as a file).
// Collaborators: api.js (getReport, downloadReport), i18n.js; admin.js passes the token and handles 401/403.
// Non-goals: charts, editing or deleting feedback.

import { downloadReport, getReport, isAuthError } from "./api.js";
import { dateTime as when, fillTable } from "./dom.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const REPORTS = {
  feedback: { path: "/api/admin/feedback", query: {}, table: "feedback-table", key: "feedback" },
  unanswered: { path: "/api/admin/questions", query: { kind: "unanswered" }, table: "unanswered-table", key: "questions" },
  top: { path: "/api/admin/questions", query: { kind: "top" }, table: "top-table", key: "questions" },
};
const state = { token: () => "", onAuthError: () => {}, data: {} };

function days() {
  return $("report-days").value || "30";
}

function cell(content, className = "") {
  const td = document.createElement("td");
  if (className) td.className = className;
  const inner = document.createElement("div");
  inner.className = className.includes("wrap") ? "clip" : "";
  inner.textContent = content;
  td.append(inner);
  return td;
}

function sourcesText(sources) {
  return (sources || []).map((s) => `[${s.n}] ${s.doc}${s.page != null ? `, ${t("sources.page", { page: s.page })}` : ""}`)
    .join("; ");
}

const ROWS = {
  feedback: (item) => [cell(when(item.at)), cell(t(item.rating === "up" ? "feedback.up" : "feedback.down")),
    cell(item.question, "wrap"),
    cell(item.answer, "wrap"), cell(sourcesText(item.sources), "wrap"), cell(item.comment, "wrap")],
  unanswered: (item) => [cell(item.question, "wrap"), cell(String(item.count), "number"), cell(when(item.last_asked)),
    cell((item.docs || []).join(", "), "wrap")],
  top: (item) => [cell(item.question, "wrap"), cell(String(item.count), "number"),
    cell(String(item.unanswered), "number"), cell(when(item.last_asked))],
};

function render(name) {
  const items = state.data[name] || [];
  const table = $(REPORTS[name].table);
  const rows = items.map((item) => {
    const tr = document.createElement("tr");
    if (name === "feedback") tr.dataset.rating = item.rating;
    tr.append(...ROWS[name](item));
    return tr;
  });
  fillTable(table, rows, t("reports.none"), cell);
}

function failed(error) {
  if (isAuthError(error)) {
    state.onAuthError(error);
    return true;
  }
  const node = $("reports-error");
  node.hidden = false;
  node.textContent = t("reports.failed", { message: error?.message || String(error) });
  return false;
}

export async function refreshReports() {
  $("reports-error").hidden = true;
  try {
    const replies = await Promise.all(Object.entries(REPORTS).map(([name, report]) =>
      getReport(state.token(), report.path, { ...report.query, days: days() }).then((body) => [name, body])));
    for (const [name, body] of replies) {
      state.data[name] = body[REPORTS[name].key];
      render(name);
    }
  } catch (error) {
    failed(error);
  }
}

async function download(name, format) {
  const report = REPORTS[name];
  try {
    const { blob, filename } = await downloadReport(state.token(), report.path, { ...report.query, days: days() }, format);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    failed(error);
  }
}

/** Wire the reports; `token()` gives the admin token, `onAuthError(error)` is told of a 401/403. */
export function initReports({ token, onAuthError }) {
  state.token = token;
  state.onAuthError = onAuthError;
  $("report-days").addEventListener("change", refreshReports);
  $("reports-refresh").addEventListener("click", refreshReports);
  document.querySelector(".reports").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-report]");
    if (button) download(button.dataset.report, button.dataset.format);
  });
}

export function renderReportsAgain() {
  for (const name of Object.keys(state.data)) render(name);
}
