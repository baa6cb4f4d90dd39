// app.js — the chat page controller: sends questions, streams answers into the conversation, keeps the
// conversation list in step with the server, shows the sources panel and one error banner, opens cited
// originals (viewer.js) and offers the conversation's export and print.
// Collaborators: api.js (HTTP + SSE), messages.js (DOM of messages, sources and the conversation list),
// conversations.js (the list kept in localStorage), banner.js (the error banner), i18n.js (labels),
// viewer.js (the citation viewer), feedback.js (ratings, through messages.js), readiness.js (the server's
// readiness and version), drawers.js (the side panels on narrow screens).
// It never puts data into the page as HTML.
// Non-goals: editing or regenerating answers, keeping transcripts in the browser (the server has them).

import { ApiError, createSession, deleteSession, exportPath, getSession, streamChat } from "./api.js";
import { bannerFor, hideBanner, initBanner, renderBanner, showBanner } from "./banner.js";
import { closeDrawers, initDrawers, setDrawer } from "./drawers.js";
import * as store from "./conversations.js";
import { initLanguageToggle, onLangChange, t, translatable } from "./i18n.js";
import {
  answerOf, copyAnswer, createAssistantMessage, createUserMessage, failAnswer, finishAnswer,
  highlightSource, refreshDynamicText, renderAnswer, renderConversationItems, renderSources,
} from "./messages.js";
import { showVersion, watchReadiness } from "./readiness.js";
import { closeViewer, documentKind, initViewer, openSource, viewerOpen } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const ui = {
  question: $("question"), send: $("send"), form: $("composer"), messages: $("messages"), welcome: $("welcome"),
  conversations: $("conversation-list"), newChat: $("new-chat"), sources: $("sources"),
  sourceList: $("source-list"), sourcesEmpty: $("sources-empty"), status: $("status"), backdrop: $("backdrop"),
  sidebarToggle: $("sidebar-toggle"), sourcesToggle: $("sources-toggle"), version: $("version"),
  tools: $("chat-tools"), exportMd: $("export-md"), exportJson: $("export-json"), print: $("print-chat"),
};
const sourcesIsDrawer = window.matchMedia("(max-width: 1100px)");
const sidebarIsDrawer = window.matchMedia("(max-width: 760px)");

const state = {
  conversationId: null,
  streaming: null, // {controller, message} while an answer streams
  loadGeneration: 0, // bumped on every switch, so a late history response for another conversation is dropped
  loadingHistory: false, // no question is sent while a conversation's history is still arriving
  shownSources: [], // the sources listed in the sources panel
};

// --- messages, sources, scrolling --------------------------------------------------------------------------

function isNearBottom() {
  const box = ui.messages;
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function scrollToBottom() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function clearConversationView() {
  closeViewer({ restoreFocus: false });
  for (const node of [...ui.messages.children]) if (node !== ui.welcome) node.remove();
  ui.welcome.hidden = false;
  showSourcesOf(null);
}

function appendToConversation(node) {
  ui.welcome.hidden = true;
  ui.messages.append(node);
}

/** Show the sources of an assistant message in the panel (null clears it); optionally jump to entry n. */
function showSourcesOf(message, n = null) {
  for (const node of ui.messages.querySelectorAll(".message.sources-shown")) node.classList.remove("sources-shown");
  const sources = message ? answerOf(message).sources : null;
  state.shownSources = sources || [];
  const count = renderSources(ui.sourceList, sources);
  ui.sourcesEmpty.hidden = count > 0;
  if (message && count) message.classList.add("sources-shown");
  if (n === null) return;
  if (sourcesIsDrawer.matches) setDrawer("sources", true);
  highlightSource(ui.sourceList, n);
}

function announce(key) {
  ui.status.textContent = t(key);
}

// --- asking ------------------------------------------------------------------------------------------------

function setBusy(busy) {
  ui.send.disabled = busy;
  ui.send.setAttribute("aria-busy", String(busy));
  translatable(ui.send.querySelector(".send-label"), busy ? "chat.sending" : "chat.send");
}

function setCurrentConversation(id) {
  state.conversationId = id || null;
  store.setCurrentConversationId(state.conversationId);
  renderConversationList();
  ui.tools.hidden = !state.conversationId;
  if (state.conversationId) {
    ui.exportMd.href = exportPath(state.conversationId, "md");
    ui.exportJson.href = exportPath(state.conversationId, "json");
  }
}

/** Stream one answer into `message`; resolves with the `done` payload. */
async function streamInto(message, question, sessionId, signal) {
  let text = "";
  let frame = 0;
  const draw = () => {
    frame = 0;
    const follow = isNearBottom();
    renderAnswer(message, text);
    if (follow) scrollToBottom();
  };
  try {
    return await streamChat({
      message: question,
      sessionId,
      signal,
      onToken: (piece) => {
        text += piece;
        if (!frame) frame = requestAnimationFrame(draw);
      },
    });
  } finally {
    if (frame) cancelAnimationFrame(frame);
  }
}

/** A session for a new conversation; null when the server cannot create one up front (chat will then). */
async function openSessionFor(question, signal) {
  try {
    const id = await createSession();
    store.rememberConversation(id, question);
    if (!signal.aborted) setCurrentConversation(id); // the user may have switched away meanwhile
    return id;
  } catch (error) {
    if (error instanceof ApiError && [404, 405].includes(error.status)) return null;
    error.creatingSession = true;
    throw error;
  }
}

async function ask(rawQuestion) {
  const question = rawQuestion.trim();
  if (state.streaming || state.loadingHistory) return;
  if (!question) {
    showBanner({ key: "error.empty_question", kind: "hint" });
    ui.question.focus();
    return;
  }
  if (navigator.onLine === false) {
    showBanner({ key: "error.offline", kind: "offline" });
    return;
  }
  hideBanner();
  closeViewer({ restoreFocus: false }); // the new answer is what the reader wants to see
  appendToConversation(createUserMessage(question));
  const message = createAssistantMessage();
  appendToConversation(message);
  scrollToBottom();
  ui.question.value = "";
  resizeQuestion();
  const controller = new AbortController();
  state.streaming = { controller, message };
  setBusy(true);
  announce("chat.thinking");
  try {
    let sessionId = state.conversationId;
    if (sessionId) store.touchConversation(sessionId);
    else sessionId = await openSessionFor(question, controller.signal);
    let result;
    try {
      result = await streamInto(message, question, sessionId, controller.signal);
    } catch (error) {
      const expired = error instanceof ApiError && error.status === 404;
      const full = error instanceof ApiError && error.status === 409 && error.code === "conversation_full";
      if (!((expired || full) && sessionId)) throw error;
      // The conversation expired on the server, or is as long as it may get: carry on in a new one and say so.
      if (expired) store.markExpired(sessionId);
      setCurrentConversation(null);
      showBanner({ key: full ? "notice.conversation_full" : "notice.session_expired", kind: "info" });
      result = await streamInto(message, question, null, controller.signal);
    }
    finishAnswer(message, result, { sessionId: result.session_id || sessionId });
    if (result.session_id && result.session_id !== state.conversationId) {
      store.rememberConversation(result.session_id, question);
      setCurrentConversation(result.session_id);
    }
    showSourcesOf(message);
    announce("chat.answer_done");
  } catch (error) {
    if (error?.name === "AbortError") {
      failAnswer(message, true);
      return;
    }
    failAnswer(message);
    if (!ui.question.value) {
      ui.question.value = question; // give the question back, so retrying is one key press
      resizeQuestion();
    }
    showBanner(bannerFor(error, { creatingSession: Boolean(error?.creatingSession) }));
    announce("chat.failed");
  } finally {
    if (state.streaming?.message === message) state.streaming = null;
    setBusy(false);
  }
}

function stopStreaming() {
  if (state.streaming) state.streaming.controller.abort();
  state.streaming = null;
  setBusy(false);
}

// --- conversations ------------------------------------------------------------------------------------------

function renderConversationList() {
  renderConversationItems(ui.conversations, store.listConversations(), state.conversationId);
}

function startNewChat() {
  stopStreaming();
  state.loadGeneration += 1;
  state.loadingHistory = false;
  setCurrentConversation(null);
  clearConversationView();
  hideBanner();
  closeDrawers();
  ui.question.focus();
}

async function openConversation(id) {
  stopStreaming();
  const generation = ++state.loadGeneration;
  setCurrentConversation(id);
  clearConversationView();
  hideBanner();
  closeDrawers();
  const loading = translatable(document.createElement("p"), "chat.loading_history");
  loading.className = "loading muted";
  appendToConversation(loading);
  state.loadingHistory = true;
  try {
    const session = await getSession(id);
    if (generation !== state.loadGeneration) return;
    state.loadingHistory = false;
    loading.remove();
    let lastWithSources = null;
    (session.messages || []).forEach((entry, index) => {
      if (entry.role === "user") {
        appendToConversation(createUserMessage(String(entry.content ?? "")));
        return;
      }
      const message = createAssistantMessage({ pending: false });
      appendToConversation(message);
      finishAnswer(message, { answer: entry.content, sources: entry.sources, notice: entry.notice,
        answered: entry.answered, feedback: entry.feedback, message_index: index }, { sessionId: id });
      if (Array.isArray(entry.sources) && entry.sources.length) lastWithSources = message;
    });
    if (!ui.messages.querySelector(".message")) ui.welcome.hidden = false;
    showSourcesOf(lastWithSources);
    scrollToBottom();
  } catch (error) {
    if (generation !== state.loadGeneration) return;
    state.loadingHistory = false;
    loading.remove();
    ui.welcome.hidden = false;
    if (error instanceof ApiError && error.status === 404) {
      store.markExpired(id);
      setCurrentConversation(null);
      showBanner({ key: "error.conversation_expired", kind: "info" });
    } else {
      showBanner(bannerFor(error));
    }
  }
}

async function removeConversation(id) {
  try {
    await deleteSession(id);
  } catch (error) {
    const cause = bannerFor(error);
    showBanner({ key: "error.delete_failed", detail: cause.detail || t(cause.key, cause.params || {}) });
    return;
  }
  store.forgetConversation(id);
  if (id === state.conversationId) startNewChat();
  else renderConversationList();
}

// --- the question box ---------------------------------------------------------------------------------------

function resizeQuestion() {
  const box = ui.question;
  if (!box.value) {
    box.style.height = ""; // back to the stylesheet's height (an empty box would measure its placeholder)
    return;
  }
  box.style.height = "auto";
  box.style.height = `${Math.min(box.scrollHeight + 2, 220)}px`;
}

function onQuestionKey(event) {
  // Enter sends; Shift+Enter is a new line; Enter that confirms an IME composition (Chinese input) is neither.
  if (event.key !== "Enter" || event.shiftKey || event.altKey || event.isComposing || event.keyCode === 229) return;
  event.preventDefault();
  ask(ui.question.value);
}

// --- wiring -------------------------------------------------------------------------------------------------

function onMessagesClick(event) {
  const message = event.target.closest(".message.assistant");
  if (!message) {
    const example = event.target.closest("[data-example]");
    if (example) ask(t(example.dataset.example));
    return;
  }
  const cite = event.target.closest("a.cite");
  if (cite) {
    const n = Number(cite.dataset.cite);
    const source = (answerOf(message).sources || []).find((s) => Number(s.n) === n);
    showSourcesOf(message, n);
    // A PDF's citation is a link to its page (new tab); the other documents open in the viewer panel.
    if (!source || documentKind(source.doc) !== "pdf") event.preventDefault();
    if (source && documentKind(source.doc) !== "pdf") openSource(source, cite);
    return;
  }
  const copy = event.target.closest(".copy-answer");
  if (copy) {
    copyAnswer(copy, message);
    return;
  }
  if (event.target.closest(".show-sources")) {
    showSourcesOf(message, answerOf(message).sources?.[0]?.n ?? null);
  }
}

/** A click on a source card, or on its open control, opens the original at the cited place. */
function onSourceClick(event) {
  const item = event.target.closest(".source-item");
  if (!item) return;
  const source = state.shownSources.find((s) => Number(s.n) === Number(item.dataset.n));
  const control = item.querySelector(".source-open");
  if (!source || event.target.closest("a")) return; // links (the PDF page) open themselves
  if (window.getSelection()?.toString()) return; // the reader is selecting text to copy
  openSource(source, control);
}

function onConversationClick(event) {
  const li = event.target.closest("li.conversation");
  if (!li) return;
  if (event.target.closest(".conversation-delete")) removeConversation(li.dataset.id);
  else if (event.target.closest(".conversation-open")) openConversation(li.dataset.id);
}

function init() {
  initBanner($("error-banner"));
  initLanguageToggle($("lang-toggle"));
  onLangChange(() => {
    refreshDynamicText();
    renderBanner();
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(ui.question.value);
  });
  ui.question.addEventListener("keydown", onQuestionKey);
  ui.question.addEventListener("input", resizeQuestion);
  ui.messages.addEventListener("click", onMessagesClick);
  ui.sourceList.addEventListener("click", onSourceClick);
  initViewer({ panel: $("viewer"), title: $("viewer-title"), file: $("viewer-file"), body: $("viewer-body"),
    status: $("viewer-status"), close: $("viewer-close"), raw: $("viewer-raw") });
  ui.print.addEventListener("click", () => window.print());
  ui.conversations.addEventListener("click", onConversationClick);
  ui.newChat.addEventListener("click", startNewChat);
  initDrawers({ sidebar: $("sidebar"), sidebarToggle: ui.sidebarToggle, sources: ui.sources,
    sourcesToggle: ui.sourcesToggle, sourcesClose: $("sources-close"), backdrop: ui.backdrop });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (viewerOpen()) closeViewer();
    else closeDrawers();
  });
  window.addEventListener("offline", () => showBanner({ key: "error.offline", kind: "offline" }));
  window.addEventListener("online", () => hideBanner("offline"));
  store.onConversationsChangedElsewhere(renderConversationList);

  const saved = store.currentConversationId();
  if (saved && store.getConversation(saved) && !store.getConversation(saved).expired) openConversation(saved);
  else setCurrentConversation(null);
  watchReadiness();
  showVersion(ui.version);
  if (!sidebarIsDrawer.matches) ui.question.focus(); // on a phone, focusing would pop up the keyboard
}

init();
