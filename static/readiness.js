// readiness.js — the chat page's watch on the server: a "not ready" banner while the index is loading (polled
// every READY_POLL_MS until ready), and the version line of the sidebar.
// Collaborators: api.js (checkReady, getHealth), banner.js (the one banner), i18n.js (translatable text).
// Non-goals: health monitoring (monitor.py does that), retrying questions.

import { checkReady, getHealth } from "./api.js";
import { bannerKind, hideBanner, showBanner } from "./banner.js";
import { translatable } from "./i18n.js";

const READY_POLL_MS = 5000;

/** Show the not-ready banner until GET /api/ready answers 200 (another banner is never replaced). */
export async function watchReadiness() {
  try {
    const { ready, reason } = await checkReady();
    if (ready) {
      hideBanner("not-ready");
      return;
    }
    if (!bannerKind() || bannerKind() === "not-ready") showBanner({ key: "error.not_ready", detail: reason, kind: "not-ready" });
  } catch {
    // The server cannot be reached right now; the next question will say so.
  }
  setTimeout(watchReadiness, READY_POLL_MS);
}

/** Write the server's version into `element`. */
export async function showVersion(element) {
  try {
    const health = await getHealth();
    if (health.version) translatable(element, "app.version", { version: health.version });
  } catch {
    // The version is a nicety.
  }
}
