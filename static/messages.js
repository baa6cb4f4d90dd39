// messages.js — builds the chat page's dynamic DOM: user and assistant messages, the answer footer
// (copy to the clipboard, show sources, rating — feedback.js —, backend and latency), notices, the sources
// listed for printing, the entries of the sources panel (each with a control that opens the original at the
// cited place — viewer.js) and the conversation list of the sidebar.
// Every piece of data (questions, answers, snippets, notices) goes in through textContent or the safe
// Markdown renderer; nothing here parses HTML. It keeps no page state beyond what each message carries,
// and it does not fetch or decide what happens on a click (app.js does).

import { createFeedbackControls, setFeedbackTarget } from "./feedback.js";
import { lang, t, translatable } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";
import { documentKind, linkCitations, sourceUrl } from "./viewer.js";

const answers = new WeakMap(); // assistant message element -> {text, sources}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Re-translate what i18n.applyTranslations cannot: the citation links' labels. */
export function refreshDynamicText(root = document) {
  for (const link of root.querySelectorAll("a.cite")) {
    link.setAttribute("aria-label", t("chat.cite_label", { n: link.dataset.cite }));
  }
}

function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: digits }).format(value);
}

export function createUserMessage(text) {
  const message = element("article", "message user");
  message.dataset.testid = "message-user";
  message.append(translatable(element("div", "message-role"), "chat.you"), element("div", "message-body", text));
  return message;
}

export function createAssistantMessage({ pending = true } = {}) {
  const message = element("article", "message assistant");
  message.dataset.testid = "message-assistant";
  message.dataset.state = pending ? "streaming" : "done";
  if (pending) message.setAttribute("aria-busy", "true");
  const body = element("div", "answer-body");
  const thinking = translatable(element("p", "thinking"), "chat.thinking");
  thinking.hidden = !pending;
  const footer = element("div", "message-footer");
  footer.hidden = pending;
  const copy = translatable(element("button", "text-button copy-answer"), "chat.copy");
  copy.type = "button";
  copy.dataset.testid = "copy-answer";
  const showSources = translatable(element("button", "text-button show-sources"), "chat.show_sources");
  showSources.type = "button";
  showSources.hidden = true;
  footer.append(copy, showSources, createFeedbackControls(), element("span", "message-meta"));
  const printed = element("ol", "print-sources");
  printed.hidden = true;
  message.append(translatable(element("div", "message-role"), "chat.assistant"), body, thinking, printed, footer);
  answers.set(message, { text: "", sources: null });
  return message;
}

/** Draw the answer text; sources (when known) limit which [n] become links. */
export function renderAnswer(message, text, sources = null) {
  const record = answers.get(message);
  record.text = text;
  if (sources) record.sources = sources;
  const body = message.querySelector(".answer-body");
  const citationCount = record.sources ? record.sources.length : Infinity;
  body.replaceChildren(renderMarkdown(text, { citationCount, citationLabel: (n) => t("chat.cite_label", { n }) }));
  message.querySelector(".thinking").hidden = text !== "" || message.dataset.state !== "streaming";
}

/** Show the server's notice (e.g. the language model fell back to extractive answers) above the answer. */
export function showNotice(message, text) {
  let notice = message.querySelector(".notice");
  if (!notice) {
    notice = element("p", "notice");
    notice.setAttribute("role", "note");
    notice.dataset.testid = "notice";
    message.querySelector(".answer-body").before(notice);
  }
  notice.replaceChildren(translatable(element("strong", "notice-label"), "chat.notice"), document.createTextNode(` ${text}`));
}

/** An answer the documents do not contain is marked as such: a badge above it, its sources shown as related
 * reading (the server's `answered: false`). */
function showAnswered(message, answered) {
  message.dataset.answered = answered ? "true" : "false";
  let badge = message.querySelector(".unanswered");
  if (answered) {
    if (badge) badge.remove();
    return;
  }
  if (!badge) {
    badge = translatable(element("p", "unanswered"), "chat.unanswered");
    badge.setAttribute("role", "note");
    badge.dataset.testid = "unanswered";
    message.querySelector(".answer-body").before(badge);
  }
  const show = message.querySelector(".show-sources");
  if (show) translatable(show, "chat.show_related");
}

/** Turn a streaming message into a finished one from the `done` payload (or a stored history entry, with its
 * `message_index` and `feedback`); `sessionId` is the conversation it belongs to (for ratings). */
export function finishAnswer(message, result, { sessionId = null } = {}) {
  message.dataset.state = "done";
  message.removeAttribute("aria-busy");
  const sources = Array.isArray(result.sources) ? result.sources : null;
  renderAnswer(message, String(result.answer ?? result.content ?? ""), sources);
  linkCitations(message.querySelector(".answer-body"), sources);
  renderPrintedSources(message.querySelector(".print-sources"), sources);
  setFeedbackTarget(message.querySelector(".feedback"), sessionId, result.message_index, result.feedback);
  if (result.notice) showNotice(message, String(result.notice));
  showAnswered(message, result.answered !== false);
  message.querySelector(".message-footer").hidden = false;
  message.querySelector(".show-sources").hidden = !(sources && sources.length);
  const meta = message.querySelector(".message-meta");
  meta.replaceChildren();
  if (result.backend) meta.append(labelled("chat.backend", String(result.backend)));
  if (typeof result.latency_ms === "number") {
    meta.append(labelled("chat.latency", `${formatNumber(result.latency_ms)} ms`));
  }
}

function sourceLine(source) {
  const where = [source.doc, source.section, source.page != null ? t("sources.page", { page: source.page }) : ""];
  return `[${source.n}] ${source.title || source.doc} — ${where.filter(Boolean).join(", ")}`;
}

/** The sources under the answer, shown only when the page is printed (the sources panel is not). */
function renderPrintedSources(list, sources) {
  list.replaceChildren(...(sources || []).map((source) => element("li", "", sourceLine(source))));
}

function labelled(key, value) {
  const item = element("span", "meta-item");
  item.append(translatable(element("span", "meta-label"), key), document.createTextNode(` ${value}`));
  return item;
}

/** Mark a message whose answer failed; keeps any partial text. */
export function failAnswer(message, aborted = false) {
  message.dataset.state = aborted ? "aborted" : "error";
  message.removeAttribute("aria-busy");
  message.querySelector(".thinking").hidden = true;
  const record = answers.get(message);
  if (!aborted) message.querySelector(".answer-body").append(translatable(element("p", "answer-failed"), "chat.failed"));
  if (record.text) message.querySelector(".message-footer").hidden = false;
}

export function answerOf(message) {
  return answers.get(message) || { text: "", sources: null };
}

/** The answer as plain text for the clipboard, with its sources listed underneath. */
export function answerForClipboard(message) {
  const { text, sources } = answerOf(message);
  if (!sources || !sources.length) return text;
  return `${text}\n\n${t("sources.title")}:\n${sources.map(sourceLine).join("\n")}`;
}

/** navigator.clipboard where allowed (HTTPS or localhost), else the older execCommand("copy") path. */
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission denied or not focused: try the old way below.
    }
  }
  const helper = document.createElement("textarea");
  helper.value = text;
  helper.setAttribute("readonly", "");
  helper.className = "clipboard-helper";
  const previousFocus = document.activeElement;
  document.body.append(helper);
  helper.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  helper.remove();
  previousFocus?.focus?.();
  return copied;
}

/** Copy an answer (with its sources) and say so on the button for two seconds. */
export async function copyAnswer(button, message) {
  const copied = await copyText(answerForClipboard(message));
  translatable(button, copied ? "chat.copied" : "chat.copy_failed");
  button.dataset.copied = String(copied);
  setTimeout(() => {
    translatable(button, "chat.copy");
    delete button.dataset.copied;
  }, 2000);
}

function sourceItem(source) {
  const n = Number(source.n);
  const item = element("li", "source-item");
  item.id = `source-${n}`;
  item.dataset.n = String(n);
  item.dataset.testid = "source-item";
  item.tabIndex = -1;
  const heading = element("div", "source-heading");
  heading.append(element("span", "source-n", String(n)), element("span", "source-title", source.title || source.doc || ""));
  item.append(heading);
  const doc = element("p", "source-doc");
  doc.append(translatable(element("span", "source-label"), "sources.doc"), element("code", "", String(source.doc ?? "")));
  item.append(doc);
  if (source.section) {
    const section = element("p", "source-section");
    section.append(translatable(element("span", "source-label"), "sources.section"), element("span", "", String(source.section)));
    item.append(section);
  }
  const facts = element("p", "source-facts");
  if (source.page !== null && source.page !== undefined) {
    facts.append(translatable(element("span", "source-page"), "sources.page", { page: source.page }));
  }
  if (typeof source.score === "number") {
    facts.append(translatable(element("span", "source-score"), "sources.score", { score: source.score.toFixed(3) }));
  }
  if (facts.childNodes.length) item.append(facts);
  if (source.snippet) item.append(element("blockquote", "source-snippet", String(source.snippet)));
  item.append(openControl(source));
  return item;
}

/** A PDF opens at its page in a new tab (a link); other documents open in the viewer panel (a button). */
function openControl(source) {
  if (documentKind(source.doc) === "pdf") {
    const link = element("a", "text-button source-open");
    link.href = sourceUrl(source);
    link.target = "_blank";
    link.rel = "noopener";
    return translatable(link, "sources.open_page", { page: Number(source.page) || 1 });
  }
  const button = translatable(element("button", "text-button source-open"), "sources.open_passage");
  button.type = "button";
  return button;
}

/** Fill the sources panel list; returns how many entries it shows. */
export function renderSources(list, sources) {
  list.replaceChildren(...(sources || []).map(sourceItem));
  return list.children.length;
}

/** Highlight entry n of the sources list and bring it into view; false when there is no such entry. */
export function highlightSource(list, n) {
  const item = list.querySelector(`.source-item[data-n="${Number(n)}"]`);
  if (!item) return false;
  for (const other of list.querySelectorAll(".source-item.highlight")) other.classList.remove("highlight");
  void item.offsetWidth; // restart the highlight animation when the same entry is chosen again
  item.classList.add("highlight");
  const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  item.scrollIntoView({ block: "nearest", behavior: smooth ? "smooth" : "auto" });
  item.focus({ preventScroll: true });
  return true;
}

/** Fill the sidebar list from the stored conversations; `activeId` is marked as the open one. */
export function renderConversationItems(list, items, activeId) {
  const nodes = items.map((item) => {
    const li = element("li", "conversation");
    li.dataset.id = item.id;
    li.classList.toggle("active", item.id === activeId);
    li.classList.toggle("expired", Boolean(item.expired));
    const open = element("button", "conversation-open");
    open.type = "button";
    if (item.id === activeId) open.setAttribute("aria-current", "true");
    const title = element("span", "conversation-title");
    if (item.title) {
      title.textContent = item.title;
      open.title = item.title; // the full title, as the list truncates long ones
    }
    else translatable(title, "chat.untitled");
    open.append(title);
    if (item.expired) open.append(translatable(element("span", "badge"), "chat.expired"));
    const remove = element("button", "icon-button conversation-delete", "×");
    remove.type = "button";
    remove.dataset.i18nAriaLabel = "chat.delete";
    remove.dataset.i18nTitle = "chat.delete";
    remove.setAttribute("aria-label", t("chat.delete"));
    remove.title = t("chat.delete");
    li.append(open, remove);
    return li;
  });
  if (!nodes.length) nodes.push(translatable(element("li", "conversation-empty muted"), "chat.no_conversations"));
  list.replaceChildren(...nodes);
}
