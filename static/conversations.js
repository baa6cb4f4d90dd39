// conversations.js — the list of conversations kept in this browser (localStorage): for each one the server
// session id, a title taken from its first question, timestamps and whether the server said it expired.
// The messages themselves live on the server (GET /api/sessions/{id}); this list is only an index of them.
// Storage may be disabled or full: the list then lives in memory for this page and nothing fails.
// It does not talk to the server and does not draw anything.

const LIST_KEY = "mygallery.conversations";
const CURRENT_KEY = "mygallery.currentConversation";
const TITLE_CHARS = 60;
const MAX_CONVERSATIONS = 100;

let memoryList = [];
let memoryCurrent = null;

function readStorage(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Disabled or full storage: keep working from memory.
  }
}

function isConversation(item) {
  return item && typeof item.id === "string" && item.id !== "";
}

/** All conversations, most recently used first. */
export function listConversations() {
  const raw = readStorage(LIST_KEY);
  if (raw !== null) {
    try {
      const parsed = JSON.parse(raw);
      if (Array.isArray(parsed)) memoryList = parsed.filter(isConversation);
    } catch {
      // A damaged entry is replaced on the next save.
    }
  }
  return [...memoryList].sort((a, b) => (b.updatedAt || 0) - (a.updatedAt || 0));
}

function save(list) {
  memoryList = list.slice(0, MAX_CONVERSATIONS);
  writeStorage(LIST_KEY, JSON.stringify(memoryList));
}

export function getConversation(id) {
  return listConversations().find((item) => item.id === id) || null;
}

/** A short title from the first question: one line, at most TITLE_CHARS characters. */
export function titleFromQuestion(question) {
  const flat = String(question).replace(/\s+/g, " ").trim();
  const chars = [...flat]; // count code points, so Chinese and emoji are not cut in half
  return chars.length <= TITLE_CHARS ? flat : `${chars.slice(0, TITLE_CHARS - 1).join("")}…`;
}

/** Add a conversation (or refresh it when the id is known) and return it. */
export function rememberConversation(id, question) {
  const now = Date.now();
  const list = listConversations();
  const existing = list.find((item) => item.id === id);
  if (existing) {
    existing.updatedAt = now;
    existing.expired = false;
    if (!existing.title && question) existing.title = titleFromQuestion(question);
    save(list);
    return existing;
  }
  const item = { id, title: question ? titleFromQuestion(question) : "", createdAt: now, updatedAt: now, expired: false };
  save([item, ...list]);
  return item;
}

export function touchConversation(id) {
  const list = listConversations();
  const item = list.find((entry) => entry.id === id);
  if (item) {
    item.updatedAt = Date.now();
    save(list);
  }
}

export function markExpired(id) {
  const list = listConversations();
  const item = list.find((entry) => entry.id === id);
  if (item) {
    item.expired = true;
    save(list);
  }
}

export function forgetConversation(id) {
  save(listConversations().filter((item) => item.id !== id));
  if (currentConversationId() === id) setCurrentConversationId(null);
}

export function currentConversationId() {
  const raw = readStorage(CURRENT_KEY);
  return raw !== null ? raw || null : memoryCurrent;
}

export function setCurrentConversationId(id) {
  memoryCurrent = id || null;
  writeStorage(CURRENT_KEY, id || null);
}

/** Call listener() when another tab of this site changes the list. */
export function onConversationsChangedElsewhere(listener) {
  window.addEventListener("storage", (event) => {
    if (event.key === LIST_KEY || event.key === null) listener();
  });
}
