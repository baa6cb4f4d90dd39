// banner.js — the chat page's single message banner (#error-banner) and the choice of words for each failure:
// 429 with its Retry-After seconds, 503 (busy, session store down, not ready), 400/413, offline, network, a broken
// stream, 5xx.
// A banner is kept as {key, params, detail, retryAfter, kind} so it can be re-translated when the language
// changes; `kind` lets one cause clear only its own banner (e.g. "offline" when the network comes back).
// The server's own message (English) is shown underneath as a detail. It does not decide when to show one.

import { ApiError } from "./api.js";
import { t } from "./i18n.js";

let element = null;
let current = null;

export function initBanner(bannerElement) {
  element = bannerElement;
  element.querySelector(".error-dismiss").addEventListener("click", () => hideBanner());
}

/** Draw the current banner in the current language (also called after a language change). */
export function renderBanner() {
  element.hidden = !current;
  if (!current) return;
  let text = t(current.key, current.params || {});
  if (current.retryAfter !== null && current.retryAfter !== undefined) {
    text += ` ${t("error.retry_after", { seconds: current.retryAfter })}`;
  }
  element.querySelector(".error-text").textContent = text;
  const detail = element.querySelector(".error-detail");
  detail.textContent = current.detail || "";
  detail.hidden = !current.detail;
  element.dataset.kind = current.kind;
}

export function showBanner(banner) {
  current = { params: {}, retryAfter: null, detail: "", kind: "error", ...banner };
  renderBanner();
}

/** Hide the banner; with `kind`, only when the banner on screen is of that kind. */
export function hideBanner(kind) {
  if (kind && current?.kind !== kind) return;
  current = null;
  renderBanner();
}

export function bannerKind() {
  return current ? current.kind : null;
}

/** The banner that explains an API failure. creatingSession: a 429 then means the session cap. */
export function bannerFor(error, { creatingSession = false } = {}) {
  if (!(error instanceof ApiError)) return { key: "error.unknown", detail: String(error?.message || "") };
  const detail = error.message && error.message !== error.code ? error.message : "";
  const { status, code } = error;
  if (code === "offline") return { key: "error.offline", kind: "offline" };
  if (code === "network") return { key: "error.network" };
  if (status === 429) {
    // The server names the cause: too_many_sessions (the session cap) or rate_limited (per client).
    const sessionCap = code === "too_many_sessions" || (code !== "rate_limited" && creatingSession);
    return { key: sessionCap ? "error.too_many_sessions" : "error.rate_limited", retryAfter: error.retryAfter, detail };
  }
  if (status === 503 && code === "server_busy") return { key: "error.busy", retryAfter: error.retryAfter, detail };
  if (status === 503 && code === "store_unavailable") return { key: "error.store_unavailable", retryAfter: error.retryAfter, detail };
  if (status === 503) return { key: "error.not_ready", retryAfter: error.retryAfter, detail, kind: "not-ready" };
  if (status === 413) return { key: "error.too_large", detail };
  if (status === 400) {
    const tooLong = /too.?long|too.?large|length|limit|max/i.test(`${code} ${detail}`);
    return { key: tooLong ? "error.too_large" : "error.bad_request", detail };
  }
  if (status >= 500) return { key: "error.server", params: { status }, detail };
  if (status === 0) return { key: "error.stream", detail }; // an `event: error` or a cut stream
  return { key: "error.unknown", detail: detail || `HTTP ${status}` };
}
