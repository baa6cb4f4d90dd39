// api.js — the browser side of the HTTP API (see docs/API.md): sessions, streaming chat, readiness, admin stats,
// ratings, exports, original documents, and the admin's documents, index jobs and reports.
// Every failure becomes an ApiError carrying the HTTP status, the server's error code and message, and the
// Retry-After seconds, so pages can show one clear banner. Server-Sent Events arrive over a POST response,
// so they are parsed here from fetch()'s body stream (EventSource can only GET).
// It does not touch the DOM or translate messages; pages do that.

export class ApiError extends Error {
  /** status: HTTP status (0 when no response); code: server code or a local one (offline, network, stream). */
  constructor({ status = 0, code = "unknown", message = "", retryAfter = null }) {
    super(message || code);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Seconds to wait from a Retry-After header (delta seconds or an HTTP date), or null. */
export function parseRetryAfter(value) {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return parseInt(trimmed, 10);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function errorFromResponse(response) {
  let code = `http_${response.status}`;
  let message = "";
  try {
    const body = await response.json();
    if (body && typeof body.error === "object" && body.error) {
      code = String(body.error.code || code);
      message = String(body.error.message || "");
    }
  } catch {
    // Not JSON (a proxy page, an empty body): the status alone must do.
  }
  return new ApiError({ status: response.status, code, message, retryAfter: parseRetryAfter(response.headers.get("Retry-After")) });
}

function connectionError(cause) {
  const offline = typeof navigator !== "undefined" && navigator.onLine === false;
  return new ApiError({ code: offline ? "offline" : "network", message: String(cause?.message || "") });
}

/** fetch() that throws ApiError for network failures and non-2xx statuses; AbortError passes through.
 * A FormData body is sent as is (the browser sets multipart/form-data with its boundary); any other as JSON. */
async function request(path, { method = "GET", body, headers = {}, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, credentials: "same-origin" };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw connectionError(error);
  }
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

function sessionPath(id) {
  return `/api/sessions/${encodeURIComponent(id)}`;
}

/** POST /api/sessions → the new session id. The body is JSON (an empty object): the server takes nothing else. */
export async function createSession() {
  const response = await request("/api/sessions", { method: "POST", body: {} });
  return (await response.json()).session_id;
}

/** GET /api/sessions/{id} → {session_id, created_at, last_active, messages}. 404 when unknown or expired. */
export async function getSession(id, { signal } = {}) {
  const response = await request(sessionPath(id), { signal });
  return response.json();
}

/** DELETE /api/sessions/{id}; a session that is already gone (404) counts as deleted. */
export async function deleteSession(id) {
  try {
    await request(sessionPath(id), { method: "DELETE" });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
}

/** GET /api/ready → {ready, reason}. Network failures throw. */
export async function checkReady() {
  try {
    await request("/api/ready");
    return { ready: true, reason: "" };
  } catch (error) {
    if (error instanceof ApiError && error.status === 503) return { ready: false, reason: error.message };
    throw error;
  }
}

/** GET /api/health → {status, uptime_s, version}. */
export async function getHealth() {
  return (await request("/api/health")).json();
}

/** GET /api/admin/stats; token may be empty (loopback clients of a server without ADMIN_TOKEN). */
export async function getAdminStats(token, { signal } = {}) {
  return (await request("/api/admin/stats", { headers: adminHeaders(token), signal })).json();
}

/** Whether an error is the server refusing the admin token (401 missing, 403 wrong): the pages ask for it. */
export function isAuthError(error) {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

/**
 * Yield {event, data} for each Server-Sent Event in a fetch() body stream.
 * Follows the SSE rules that matter here: "event:" and "data:" fields, multi-line data joined with "\n",
 * comments (":") ignored, events separated by a blank line, LF or CRLF line ends.
 */
export async function* readServerSentEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // Hold back a trailing "\r": it may be the first half of a CRLF split across two chunks.
      const held = !done && buffer.endsWith("\r") ? "\r" : "";
      const lines = (held ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
      buffer = done ? "" : lines.pop() + held; // the last piece is an incomplete line
      for (const line of lines) {
        if (line === "") {
          if (data.length) yield { event, data: data.join("\n") };
          event = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let fieldValue = colon === -1 ? "" : line.slice(colon + 1);
        if (fieldValue.startsWith(" ")) fieldValue = fieldValue.slice(1);
        if (field === "event") event = fieldValue || "message";
        else if (field === "data") data.push(fieldValue);
      }
      if (done) {
        if (data.length) yield { event, data: data.join("\n") };
        return;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * POST /api/chat as a stream. Calls onToken(text) for every token and resolves with the `done` payload
 * {session_id, answer, sources, backend, latency_ms, notice?}. Throws ApiError for HTTP errors, for an
 * `event: error`, and when the stream ends without `done` (code "stream_interrupted").
 */
export async function streamChat({ message, sessionId, onToken, signal }) {
  const body = { message, stream: true };
  if (sessionId) body.session_id = sessionId;
  const response = await request("/api/chat", { method: "POST", body, signal, headers: { Accept: "text/event-stream" } });
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("text/event-stream")) {
    // A server (or proxy) that answered in one piece: treat the JSON body as the final event.
    const result = await response.json();
    onToken?.(result.answer || "");
    return result;
  }
  try {
    for await (const { event, data } of readServerSentEvents(response.body)) {
      const payload = parseJson(data);
      if (event === "token" && payload) {
        onToken?.(String(payload.text ?? ""));
      } else if (event === "done" && payload) {
        return payload;
      } else if (event === "error") {
        const error = payload?.error || {};
        throw new ApiError({ status: Number(error.status) || 0, code: String(error.code || "stream_error"), message: String(error.message || "") });
      }
    }
  } catch (error) {
    if (error instanceof ApiError || error?.name === "AbortError") throw error;
    throw new ApiError({ code: "stream_interrupted", message: String(error?.message || "") });
  }
  throw new ApiError({ code: "stream_interrupted" });
}

// --- knowledge base: ratings, exports, documents, reports ---------------------------------------------------

function adminHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** POST /api/feedback: rate answer `messageIndex` of a conversation "up" or "down", with an optional comment. */
export async function postFeedback({ sessionId, messageIndex, rating, comment = "" }) {
  await request("/api/feedback", {
    method: "POST",
    body: { session_id: sessionId, message_index: messageIndex, rating, comment },
  });
}

function encodedPath(name) {
  return String(name).split("/").map(encodeURIComponent).join("/");
}

/** The address of an indexed document's original (each path segment encoded). */
export function documentPath(doc) {
  return `/api/documents/${encodedPath(doc)}`;
}

/** GET /api/documents/{doc} as text (Markdown, text and HTML documents are served as text/plain). */
export async function getDocumentText(doc, { signal } = {}) {
  const response = await request(documentPath(doc), { signal, headers: { Accept: "text/plain" } });
  return response.text();
}

/** The export address of a conversation: format "md" or "json". */
export function exportPath(sessionId, format) {
  return `${sessionPath(sessionId)}/export?format=${encodeURIComponent(format)}`;
}

/** GET /api/admin/documents → {documents, max_upload_bytes, suffixes, ingest}. */
export async function getAdminDocuments(token) {
  return (await request("/api/admin/documents", { headers: adminHeaders(token) })).json();
}

/** POST /api/admin/documents with the files as multipart/form-data (field "file") → {accepted, ingest}. */
export async function uploadDocuments(token, files) {
  const form = new FormData();
  for (const file of files) form.append("file", file, file.name);
  return (await request("/api/admin/documents", { method: "POST", body: form, headers: adminHeaders(token) })).json();
}

/** DELETE /api/admin/documents/{name} → {deleted, ingest}. */
export async function deleteDocument(token, name) {
  return (await request(`/api/admin/documents/${encodedPath(name)}`, { method: "DELETE", headers: adminHeaders(token) }))
    .json();
}

/** GET /api/admin/ingest → {state, done, total, message, …}. */
export async function getIngestStatus(token) {
  return (await request("/api/admin/ingest", { headers: adminHeaders(token) })).json();
}

/** POST /api/admin/ingest: re-index now (rebuild: from scratch). */
export async function startReindex(token, rebuild = false) {
  return (await request("/api/admin/ingest", { method: "POST", body: { rebuild }, headers: adminHeaders(token) })).json();
}

/** GET /api/admin/feedback or /api/admin/questions as JSON; `query` holds kind, days, rating. */
export async function getReport(token, path, query) {
  const search = new URLSearchParams({ ...query, format: "json" });
  return (await request(`${path}?${search}`, { headers: adminHeaders(token) })).json();
}

/** The same report as a file: {blob, filename} (the admin token cannot ride on a plain link). */
export async function downloadReport(token, path, query, format) {
  const search = new URLSearchParams({ ...query, format });
  const response = await request(`${path}?${search}`, { headers: { ...adminHeaders(token), Accept: "*/*" } });
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return { blob: await response.blob(), filename: match ? match[1] : `report.${format}` };
}
