// admin_documents.js — the admin panel's documents section: the documents folder against the index (name, type,
// size, pages, chunks, added, status), uploads of one or more files, deletes, a re-index, and the index job's
// progress bar, polled while a job runs.
// Files are checked here first (type by suffix, each file's size and all together against MAX_UPLOAD_BYTES) so
// the common mistakes are named before anything is sent; the server checks everything again, by content, and
// its refusal — which names the file — is shown as it comes.
// Collaborators: api.js (the admin endpoints), i18n.js; admin.js passes the token and handles 401/403.
// Non-goals: editing documents, folders, uploading while an index job runs (the server refuses: 409).

import {
  deleteDocument, getAdminDocuments, getIngestStatus, isAuthError, startReindex, uploadDocuments,
} from "./api.js";
import { cell, dateTime as when, fillTable } from "./dom.js";
import { lang, t, translatable as text } from "./i18n.js";

const POLL_MS = 400;
const $ = (id) => document.getElementById(id);

const state = {
  token: () => "", onAuthError: () => {}, onIndexChanged: () => {}, limit: 0, suffixes: [], job: null, timer: 0,
  listed: null,
};

function bytes(value) {
  if (typeof value !== "number") return "—";
  const units = ["B", "KB", "MB", "GB"];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${new Intl.NumberFormat(lang(), { maximumFractionDigits: unit ? 1 : 0 }).format(size)} ${units[unit]}`;
}

function message(id, key, params) {
  const node = $(id);
  node.hidden = !key;
  if (key) text(node, key, params);
  else node.textContent = "";
}

function failed(error) {
  if (isAuthError(error)) {
    state.onAuthError(error);
    return true;
  }
  return false;
}

// --- the list -------------------------------------------------------------------------------------------------

function row(doc) {
  const tr = document.createElement("tr");
  tr.dataset.name = doc.name;
  const name = document.createElement("code");
  name.textContent = doc.name;
  const status = text(document.createElement("span"), `docs.status_${doc.status}`);
  status.className = "status-badge";
  status.dataset.status = doc.status;
  if (doc.reason) status.title = doc.reason;
  const remove = text(document.createElement("button"), "docs.delete");
  remove.type = "button";
  remove.className = "text-button danger-button";
  remove.dataset.name = doc.name;
  remove.setAttribute("aria-label", t("docs.delete_label", { name: doc.name }));
  remove.disabled = doc.status === "removed";
  tr.append(cell(name, "wrap"), cell(t(`docs.type_${doc.type}`)), cell(bytes(doc.size), "number"),
    cell(doc.pages ?? "—", "number"), cell(String(doc.chunks ?? 0), "number"), cell(when(doc.added)),
    cell(status), cell(remove));
  return tr;
}

function renderList(listing) {
  state.listed = listing;
  state.limit = listing.max_upload_bytes;
  state.suffixes = listing.suffixes || [];
  text($("upload-help"), "docs.help", { size: bytes(state.limit) });
  $("upload-input").accept = state.suffixes.join(",");
  const rows = (listing.documents || []).map(row);
  fillTable($("documents-table"), rows, t("docs.none"));
}

export async function refreshDocuments() {
  try {
    const listing = await getAdminDocuments(state.token());
    renderList(listing);
    showJob(listing.ingest);
  } catch (error) {
    if (!failed(error)) message("upload-error", "docs.load_failed", { message: error.message || error.code });
  }
}

// --- the index job --------------------------------------------------------------------------------------------

function showJob(job) {
  if (!job) return;
  const wasRunning = state.job?.state === "running";
  state.job = job;
  const box = $("ingest-progress");
  box.dataset.state = job.state;
  const bar = $("ingest-bar");
  const fraction = job.total ? job.done / job.total : job.state === "running" ? 0 : 1;
  bar.value = Math.round(Math.min(1, fraction) * 100);
  bar.setAttribute("aria-valuetext", `${bar.value} %`);
  const phase = t(`ingest.phase_${job.phase || "starting"}`, { file: job.current || "" });
  if (job.state === "running") text($("ingest-text"), "ingest.running", { phase, done: job.done, total: job.total });
  else if (job.state === "done") text($("ingest-text"), "ingest.done", { message: job.message });
  else if (job.state === "failed") text($("ingest-text"), "ingest.failed", { message: job.message });
  else text($("ingest-text"), "ingest.idle");
  const running = job.state === "running";
  for (const id of ["upload-submit", "reindex"]) $(id).disabled = running;
  clearTimeout(state.timer);
  if (running) state.timer = setTimeout(pollJob, POLL_MS);
  else if (wasRunning) { // the job just ended: show what it changed
    refreshDocuments();
    state.onIndexChanged();
  }
}

async function pollJob() {
  try {
    showJob(await getIngestStatus(state.token()));
  } catch (error) {
    if (!failed(error)) state.timer = setTimeout(pollJob, POLL_MS * 5);
  }
}

// --- changes --------------------------------------------------------------------------------------------------

function problemsOf(files) {
  const problems = [];
  let total = 0;
  for (const file of files) {
    const suffix = `.${file.name.split(".").pop().toLowerCase()}`;
    if (!file.name.includes(".") || !state.suffixes.includes(suffix)) problems.push(["docs.bad_type", { name: file.name }]);
    else if (state.limit && file.size > state.limit) {
      problems.push(["docs.too_large", { name: file.name, size: bytes(file.size), limit: bytes(state.limit) }]);
    }
    total += file.size;
  }
  if (!problems.length && state.limit && total > state.limit) {
    problems.push(["docs.total_too_large", { size: bytes(total), limit: bytes(state.limit) }]);
  }
  return problems;
}

async function upload(event) {
  event.preventDefault();
  const input = $("upload-input");
  const files = [...input.files];
  message("upload-result");
  message("upload-error");
  if (!files.length) {
    message("upload-error", "docs.none_chosen");
    input.focus();
    return;
  }
  const problems = problemsOf(files);
  if (problems.length) {
    message("upload-error", "docs.refused", { message: problems.map(([key, params]) => t(key, params)).join(" ") });
    return;
  }
  $("upload-submit").disabled = true;
  text($("ingest-text"), "docs.uploading");
  try {
    const reply = await uploadDocuments(state.token(), files);
    input.value = "";
    message("upload-result", "docs.accepted", { names: reply.accepted.map((file) => file.name).join(", ") });
    showJob(reply.ingest);
  } catch (error) {
    $("upload-submit").disabled = false;
    if (failed(error)) return;
    const key = error.status === 409 ? "ingest.busy" : "docs.refused";
    message("upload-error", key, { message: error.message || error.code });
    refreshDocuments();
  }
}

async function remove(name, button) {
  if (!window.confirm(t("docs.confirm_delete", { name }))) return;
  message("upload-result");
  message("upload-error");
  button.disabled = true;
  try {
    showJob((await deleteDocument(state.token(), name)).ingest);
    message("upload-result", "docs.deleted", { name });
  } catch (error) {
    button.disabled = false;
    if (failed(error)) return;
    message("upload-error", error.status === 409 ? "ingest.busy" : "docs.delete_failed", { message: error.message });
  }
}

async function reindex() {
  message("upload-result");
  message("upload-error");
  try {
    showJob(await startReindex(state.token()));
  } catch (error) {
    if (failed(error)) return;
    message("upload-error", error.status === 409 ? "ingest.busy" : "docs.refused", { message: error.message });
  }
}

/** Wire the section; `token()` gives the admin token, `onAuthError(error)` is told of a 401/403 and
 * `onIndexChanged()` of a finished index job. */
export function initDocuments({ token, onAuthError, onIndexChanged }) {
  state.token = token;
  state.onAuthError = onAuthError;
  state.onIndexChanged = onIndexChanged;
  $("upload-form").addEventListener("submit", upload);
  $("reindex").addEventListener("click", reindex);
  $("documents-table").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-name]");
    if (button) remove(button.dataset.name, button);
  });
}

/** Re-draw the texts that depend on the language. */
/** After a language switch: the list and the job as they are now (not the job as the last listing saw it). */
export function renderDocumentsAgain() {
  if (state.listed) renderList(state.listed);
  if (state.job) showJob(state.job);
}
