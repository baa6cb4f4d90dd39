// feedback.js — the thumbs up / down under each answer, with an optional comment, sent to POST /api/feedback.
// A rating is sent at once; then a small form offers a comment (opened and focused for a thumbs down), sent
// with the same rating. The buttons are toggle buttons (aria-pressed); a rating already given (from the
// conversation's history) shows pressed. It needs the conversation's id and the answer's position in it
// (`message_index` of the chat reply, or the position in GET /api/sessions/{id}).
// Non-goals: taking a rating back, rating a failed answer.

import { ApiError, postFeedback } from "./api.js";
import { t } from "./i18n.js";

export const MAX_COMMENT = 2000;
const targets = new WeakMap(); // feedback element -> {sessionId, index, rating}

function element(tag, className, key) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (key) {
    node.dataset.i18n = key;
    node.textContent = t(key);
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
// A thumb drawn here (a cuff and a hand), so the buttons need no emoji font; thumbs down is it turned over.
const THUMB = "M2 10h4v11H2z M8 10l4-8c1.7 0 3 1.3 3 3v3h5.5c1.2 0 2.1 1.1 1.9 2.3l-1.5 8c-.2 1-1 1.7-2 1.7H8z";

function thumb(down) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", THUMB);
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "1.8");
  path.setAttribute("stroke-linejoin", "round");
  if (down) path.setAttribute("transform", "rotate(180 12 12)");
  svg.append(path);
  return svg;
}

function ratingButton(rating, labelKey) {
  const button = element("button", `icon-button rate rate-${rating}`);
  button.type = "button";
  button.dataset.rating = rating;
  button.dataset.testid = `rate-${rating}`;
  button.append(thumb(rating === "down"));
  button.dataset.i18nAriaLabel = labelKey;
  button.dataset.i18nTitle = labelKey;
  button.setAttribute("aria-label", t(labelKey));
  button.title = t(labelKey);
  button.setAttribute("aria-pressed", "false");
  return button;
}

/** The (hidden until targeted) rating controls of one answer. */
export function createFeedbackControls() {
  const box = element("div", "feedback");
  box.hidden = true;
  const buttons = element("div", "feedback-buttons");
  buttons.setAttribute("role", "group");
  buttons.dataset.i18nAriaLabel = "feedback.group";
  buttons.setAttribute("aria-label", t("feedback.group"));
  buttons.append(ratingButton("up", "feedback.up"), ratingButton("down", "feedback.down"));
  const form = element("form", "feedback-form");
  form.hidden = true;
  const label = element("label", "visually-hidden", "feedback.comment_label");
  const comment = element("textarea", "feedback-comment");
  comment.rows = 2;
  comment.maxLength = MAX_COMMENT;
  comment.dataset.i18nPlaceholder = "feedback.comment_placeholder";
  comment.placeholder = t("feedback.comment_placeholder");
  comment.dataset.testid = "feedback-comment";
  const id = `feedback-${Math.random().toString(36).slice(2)}`;
  comment.id = id;
  label.htmlFor = id;
  const send = element("button", "text-button feedback-send", "feedback.send");
  send.type = "submit";
  send.dataset.testid = "feedback-send";
  form.append(label, comment, send);
  const status = element("span", "feedback-status");
  status.setAttribute("role", "status");
  box.append(buttons, form, status);
  buttons.addEventListener("click", (event) => {
    const button = event.target.closest("button.rate");
    if (button) rate(box, button.dataset.rating);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendComment(box);
  });
  return box;
}

/** Tell the controls which answer they rate; `given` is a rating already kept ({rating, comment}). */
export function setFeedbackTarget(box, sessionId, index, given = null) {
  if (!sessionId || !Number.isInteger(index)) {
    box.hidden = true;
    return;
  }
  targets.set(box, { sessionId, index, rating: given?.rating || null });
  box.hidden = false;
  if (given?.rating) showRating(box, given.rating);
  if (given?.comment) box.querySelector(".feedback-comment").value = given.comment;
}

function showRating(box, rating) {
  for (const button of box.querySelectorAll("button.rate")) {
    button.setAttribute("aria-pressed", String(button.dataset.rating === rating));
  }
}

function say(box, key) {
  const status = box.querySelector(".feedback-status");
  status.dataset.i18n = key;
  status.textContent = t(key);
}

async function send(box, comment) {
  const target = targets.get(box);
  try {
    await postFeedback({ sessionId: target.sessionId, messageIndex: target.index, rating: target.rating, comment });
    return true;
  } catch (error) {
    say(box, error instanceof ApiError && error.status === 404 ? "feedback.expired" : "feedback.failed");
    return false;
  }
}

async function rate(box, rating) {
  const target = targets.get(box);
  if (!target) return;
  target.rating = rating;
  showRating(box, rating);
  const form = box.querySelector(".feedback-form");
  if (await send(box, box.querySelector(".feedback-comment").value.trim())) {
    say(box, "feedback.thanks");
    form.hidden = false;
    if (rating === "down") box.querySelector(".feedback-comment").focus();
  }
}

async function sendComment(box) {
  const target = targets.get(box);
  if (!target?.rating) return;
  if (await send(box, box.querySelector(".feedback-comment").value.trim())) say(box, "feedback.comment_sent");
}
