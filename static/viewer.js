// viewer.js — the citation viewer: opens the original of a cited document at the cited place.
// A PDF opens in the browser's own viewer in a new tab at its page (`/api/documents/{doc}#page=N`; citations and
// source cards of PDFs are plain links to it). Markdown, text and HTML open in the viewer panel over the chat:
// fetched as text, rendered safely — Markdown with markdown.js (raw HTML stays literal text), text as
// paragraphs, HTML parsed by DOMParser into an inert document and copied element by element from an allow-list,
// without a single attribute, so no script, handler, style or image of a document ever reaches the page — then
// scrolled to the cited passage, which is highlighted.
// Non-goals: editing, searching inside documents, rendering HTML with its own styles.

import { documentPath, getDocumentText } from "./api.js";
import { t } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";

const KINDS = { md: "markdown", markdown: "markdown", txt: "text", html: "html", htm: "html", pdf: "pdf" };
const KEPT = new Set(["h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "pre", "code", "blockquote",
  "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "dl", "dt", "dd", "em", "strong", "b", "i",
  "br", "hr", "sup", "sub", "figcaption"]);
const DROPPED = new Set(["script", "style", "template", "noscript", "iframe", "frame", "object", "embed", "svg",
  "math", "head", "title", "link", "meta", "base", "form", "input", "button", "select", "textarea", "img",
  "picture", "video", "audio", "canvas", "source"]);
const BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, pre, blockquote, tr, dt, dd, figcaption";

let ui = null;
let lastTrigger = null;
let loading = null;

export function documentKind(doc) {
  const match = /\.([a-z0-9]+)$/i.exec(String(doc || ""));
  return (match && KINDS[match[1].toLowerCase()]) || "text";
}

/** Where a source's original opens: a PDF at its page; other documents at their address. */
export function sourceUrl(source) {
  const path = documentPath(source.doc);
  return documentKind(source.doc) === "pdf" ? `${path}#page=${Number(source.page) || 1}` : path;
}

/** Make the citations [n] of a finished answer open PDFs at their page in a new tab (others: the panel). */
export function linkCitations(body, sources) {
  for (const link of body.querySelectorAll("a.cite")) {
    const source = (sources || []).find((s) => Number(s.n) === Number(link.dataset.cite));
    if (!source || documentKind(source.doc) !== "pdf") continue;
    link.href = sourceUrl(source);
    link.target = "_blank";
    link.rel = "noopener";
  }
}

export function initViewer(elements) {
  ui = elements;
  ui.close.addEventListener("click", () => closeViewer());
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      closeViewer();
    }
  });
}

export function viewerOpen() {
  return Boolean(ui && !ui.panel.hidden);
}

/** Close the panel; focus goes back to what opened it unless `restoreFocus` is false. */
export function closeViewer({ restoreFocus = true } = {}) {
  if (!viewerOpen()) return;
  loading?.abort();
  ui.panel.hidden = true;
  ui.body.replaceChildren();
  if (restoreFocus && lastTrigger?.isConnected) lastTrigger.focus();
  lastTrigger = null;
}

/** Open the original of `source` (a PDF in a new tab, the rest in the panel); `trigger` gets focus back. */
export async function openSource(source, trigger = null) {
  if (documentKind(source.doc) === "pdf") {
    window.open(sourceUrl(source), "_blank", "noopener");
    return;
  }
  lastTrigger = trigger || document.activeElement;
  loading?.abort();
  loading = new AbortController();
  ui.panel.hidden = false;
  ui.panel.dataset.doc = source.doc;
  ui.title.textContent = source.title || source.doc;
  ui.file.textContent = [source.doc, source.section].filter(Boolean).join(" — ");
  ui.raw.href = documentPath(source.doc);
  ui.status.textContent = t("viewer.loading");
  ui.body.replaceChildren();
  ui.panel.focus();
  let text;
  try {
    text = await getDocumentText(source.doc, { signal: loading.signal });
  } catch (error) {
    if (error?.name === "AbortError") return;
    ui.status.textContent = t(error?.status === 404 ? "viewer.missing" : "viewer.failed");
    return;
  }
  ui.body.replaceChildren(renderDocument(documentKind(source.doc), text));
  const found = highlightPassage(ui.body, source);
  ui.status.textContent = t(found ? "viewer.highlighted" : "viewer.not_found");
}

export function renderDocument(kind, text) {
  if (kind === "markdown") return renderMarkdown(text, { citationCount: 0 });
  if (kind === "html") return sanitisedHtml(text);
  const fragment = document.createDocumentFragment();
  for (const paragraph of String(text).split(/\n\s*\n/)) {
    if (!paragraph.trim()) continue;
    const p = document.createElement("p");
    p.className = "plain-text";
    p.textContent = paragraph;
    fragment.append(p);
  }
  return fragment;
}

/** HTML as an inert document, copied from an allow-list of elements without any attribute. */
export function sanitisedHtml(text) {
  const parsed = new DOMParser().parseFromString(String(text), "text/html");
  const fragment = document.createDocumentFragment();
  copyChildren(parsed.body, fragment);
  return fragment;
}

function copyChildren(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(document.createTextNode(node.data));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.localName;
      if (DROPPED.has(tag)) continue;
      if (KEPT.has(tag)) {
        const copy = document.createElement(tag);
        copyChildren(node, copy);
        to.append(copy);
      } else {
        copyChildren(node, to); // unwrap: div, span, a, section… keep only their content
      }
    }
  }
}

// --- finding the cited passage -----------------------------------------------------------------------------

function normalised(text) {
  return String(text).replace(/[*_`|#>]+/g, " ").replace(/\s+/g, " ").trim().toLowerCase();
}

function blockText(element) {
  const pieces = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) pieces.push(walker.currentNode.data);
  return normalised(pieces.join(" "));
}

function words(text) {
  return text.match(/[\p{Script=Han}]|[\p{L}\p{N}]+/gu) || [];
}

/** Highlight the blocks holding the source's passage and scroll to the first; false when none is found. */
export function highlightPassage(container, source) {
  const blocks = [...container.querySelectorAll(BLOCKS)].filter((el) => !el.querySelector(BLOCKS));
  const texts = blocks.map(blockText);
  const prose = blocks.map((el) => !/^h[1-6]$/.test(el.localName)); // headings only name the section
  const passage = normalised(String(source.snippet || "").replace(/…$/, ""));
  let first = -1;
  for (const size of [80, 50, 30, 16]) { // the passage's beginning inside one block
    const probe = passage.slice(0, size).trim();
    if (probe.length < Math.min(size, passage.length) * 0.5) continue;
    first = texts.findIndex((text) => text.includes(probe));
    if (first >= 0) break;
  }
  if (first < 0) first = texts.findIndex((text, i) => prose[i] && text.length >= 12 && passage.includes(text));
  if (first < 0) first = closestBlock(texts.map((text, i) => (prose[i] ? text : "")), passage);
  if (first < 0) return false;
  let last = first;
  while (last + 1 < blocks.length && texts[last + 1] && passage.includes(texts[last + 1].slice(0, 40))) last += 1;
  for (const block of blocks.slice(first, last + 1)) block.classList.add("cited-passage");
  blocks[first].tabIndex = -1;
  blocks[first].scrollIntoView({ block: "center" });
  return true;
}

function closestBlock(texts, passage) {
  const wanted = new Set(words(passage));
  if (!wanted.size) return -1;
  let best = -1;
  let bestScore = 0.5; // at least half of the passage's words
  texts.forEach((text, i) => {
    const found = new Set(words(text));
    let shared = 0;
    for (const word of wanted) if (found.has(word)) shared += 1;
    const score = shared / wanted.size;
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}
