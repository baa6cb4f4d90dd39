// markdown.js — a small, safe Markdown renderer for answers: it builds DOM nodes, never HTML strings.
// Covers what answers use: paragraphs (single newlines become <br>), headings, **bold**, *italic*, `code`,
// fenced code blocks, bullet / numbered lists (nested by indentation), block quotes, pipe tables, rules,
// [text](http…) links and citations [n] / [1, 2] turned into links to the sources panel.
// It does not support raw HTML (shown as literal text, by design), images, footnotes or reference links.
// It is forgiving with unfinished input, because it re-renders a streaming answer on every token.

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}>\s?/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_DIVIDER = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const CITATION_GROUP = /\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\]/y;
const LINK = /\[([^\]\n]+)\]\(([^)\s]+)\)/y;
const ESCAPABLE = /[\\`*_[\]()#+\-.!>|~{}]/;

/**
 * Render Markdown text into a DocumentFragment.
 * options.citationCount: highest valid citation number (Infinity while streaming, when sources are unknown);
 * options.citationLabel(n): accessible label for a citation link.
 */
export function renderMarkdown(text, options = {}) {
  const context = {
    citationCount: options.citationCount ?? Infinity,
    citationLabel: options.citationLabel ?? ((n) => `Source ${n}`),
  };
  const fragment = document.createDocumentFragment();
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  renderBlocks(lines, fragment, context);
  return fragment;
}

function element(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function indentOf(line) {
  return line.length - line.trimStart().length;
}

function isBlank(line) {
  return line.trim() === "";
}

/** True when the line starts a block other than a paragraph (so it ends a running paragraph). */
function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || LIST_ITEM.test(line);
}

function renderBlocks(lines, parent, context) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i += 1;
    } else if (FENCE.test(line)) {
      i = renderFence(lines, i, parent);
    } else if (HEADING.test(line)) {
      const [, hashes, content] = HEADING.exec(line);
      // Answers live inside a page that already has h1/h2, so Markdown headings start at h3.
      const heading = element(`h${Math.min(6, hashes.length + 2)}`);
      renderInline(content, heading, context);
      parent.append(heading);
      i += 1;
    } else if (RULE.test(line)) {
      parent.append(element("hr"));
      i += 1;
    } else if (QUOTE.test(line)) {
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(lines[i++].replace(QUOTE, ""));
      const quote = element("blockquote");
      renderBlocks(quoted, quote, context);
      parent.append(quote);
    } else if (LIST_ITEM.test(line)) {
      i = renderList(lines, i, parent, context);
    } else if (line.includes("|") && i + 1 < lines.length && TABLE_DIVIDER.test(lines[i + 1])) {
      i = renderTable(lines, i, parent, context);
    } else {
      const paragraph = [];
      while (i < lines.length && !isBlank(lines[i]) && (paragraph.length === 0 || !startsBlock(lines[i]))) {
        paragraph.push(lines[i].trim());
        i += 1;
      }
      const p = element("p");
      paragraph.forEach((part, index) => {
        if (index > 0) p.append(element("br"));
        renderInline(part, p, context);
      });
      parent.append(p);
    }
  }
}

function renderFence(lines, start, parent) {
  const [, marker, language] = FENCE.exec(lines[start]);
  const body = [];
  let i = start + 1;
  // An unterminated fence (common mid-stream) runs to the end of the text.
  while (i < lines.length) {
    const closing = lines[i].trim();
    if (closing.startsWith(marker[0].repeat(marker.length)) && /^([`~])\1*$/.test(closing)) {
      i += 1;
      break;
    }
    body.push(lines[i]);
    i += 1;
  }
  const pre = element("pre");
  const code = element("code");
  if (language) code.className = `language-${language.replace(/[^\w+#-]/g, "")}`;
  code.textContent = body.join("\n");
  pre.append(code);
  parent.append(pre);
  return i;
}

function renderList(lines, start, parent, context) {
  const first = LIST_ITEM.exec(lines[start]);
  const baseIndent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const list = element(ordered ? "ol" : "ul");
  if (ordered && parseInt(first[2], 10) !== 1) list.start = parseInt(first[2], 10);
  let i = start;
  let loose = false;
  const items = [];
  while (i < lines.length) {
    const match = LIST_ITEM.exec(lines[i]);
    if (!match || match[1].length !== baseIndent || /\d/.test(match[2]) !== ordered) break;
    const contentIndent = baseIndent + match[2].length + 1;
    const itemLines = [match[3]];
    i += 1;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) {
        // A blank line continues the item only when indented content or a sibling item follows.
        let next = i + 1;
        while (next < lines.length && isBlank(lines[next])) next += 1;
        if (next >= lines.length) break;
        const sibling = LIST_ITEM.exec(lines[next]);
        if (indentOf(lines[next]) > baseIndent && !(sibling && sibling[1].length <= baseIndent)) {
          loose = true;
          itemLines.push("");
          i = next;
          continue;
        }
        if (sibling && sibling[1].length === baseIndent && /\d/.test(sibling[2]) === ordered) loose = true;
        break;
      }
      const indent = indentOf(line);
      if (indent > baseIndent) {
        itemLines.push(line.slice(Math.min(indent, contentIndent)));
      } else if (!startsBlock(line) && !isBlank(itemLines[itemLines.length - 1])) {
        itemLines.push(line.trim()); // a lazy continuation line of the item's text
      } else {
        break;
      }
      i += 1;
    }
    items.push(itemLines);
    while (i < lines.length && isBlank(lines[i]) && LIST_ITEM.test(lines[i + 1] ?? "")) i += 1;
  }
  for (const itemLines of items) {
    const li = element("li");
    renderBlocks(itemLines, li, context);
    if (!loose) {
      // Tight lists keep their text directly in <li>, not in a paragraph.
      for (const p of [...li.children].filter((child) => child.tagName === "P")) p.replaceWith(...p.childNodes);
    }
    list.append(li);
  }
  parent.append(list);
  return i;
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells = [];
  let cell = "";
  for (let i = 0; i < row.length; i += 1) {
    if (row[i] === "\\" && row[i + 1] === "|") {
      cell += "|";
      i += 1;
    } else if (row[i] === "|") {
      cells.push(cell.trim());
      cell = "";
    } else {
      cell += row[i];
    }
  }
  cells.push(cell.trim());
  return cells;
}

function renderTable(lines, start, parent, context) {
  const header = splitRow(lines[start]);
  const aligns = splitRow(lines[start + 1]).map((spec) => {
    if (spec.startsWith(":") && spec.endsWith(":")) return "center";
    if (spec.endsWith(":")) return "right";
    return "";
  });
  const wrap = element("div", "table-wrap");
  const table = element("table");
  const headRow = element("tr");
  header.forEach((text, column) => headRow.append(tableCell("th", text, aligns[column], context)));
  const thead = element("thead");
  thead.append(headRow);
  const tbody = element("tbody");
  let i = start + 2;
  while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|")) {
    const cells = splitRow(lines[i]);
    const tr = element("tr");
    header.forEach((_, column) => tr.append(tableCell("td", cells[column] ?? "", aligns[column], context)));
    tbody.append(tr);
    i += 1;
  }
  table.append(thead, tbody);
  wrap.append(table);
  parent.append(wrap);
  return i;
}

function tableCell(tag, text, align, context) {
  const cell = element(tag);
  if (tag === "th") cell.scope = "col";
  if (align) cell.classList.add(`align-${align}`);
  renderInline(text, cell, context);
  return cell;
}

function isWordChar(ch) {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** Where an emphasis run opened at `from` closes, or -1. */
function findClose(text, from, marker) {
  let j = text.indexOf(marker, from);
  while (j !== -1) {
    const before = text[j - 1];
    const after = text[j + marker.length];
    const runsOn = marker.length === 1 && (after === marker || before === marker);
    const wordJoined = marker[0] === "_" && isWordChar(after);
    if (j > from && !/\s/.test(before) && !runsOn && !wordJoined) return j;
    j = text.indexOf(marker, j + (runsOn ? 2 : 1));
  }
  return -1;
}

function safeHref(url) {
  try {
    const parsed = new URL(url, window.location.href);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function citationLink(n, context) {
  const link = element("a", "cite");
  link.href = `#source-${n}`;
  link.dataset.cite = String(n);
  link.dataset.testid = "citation";
  link.textContent = `[${n}]`;
  link.setAttribute("aria-label", context.citationLabel(n));
  return link;
}

function renderInline(text, parent, context) {
  let plain = "";
  const flush = () => {
    if (plain) parent.append(document.createTextNode(plain));
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\" && ESCAPABLE.test(text[i + 1] ?? "")) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      let run = 1;
      while (text[i + run] === "`") run += 1;
      const end = text.indexOf("`".repeat(run), i + run);
      if (end !== -1) {
        flush();
        const code = element("code");
        code.textContent = text.slice(i + run, end);
        parent.append(code);
        i = end + run;
      } else {
        plain += "`".repeat(run);
        i += run;
      }
      continue;
    }
    if (ch === "*" || ch === "_") {
      const marker = text[i + 1] === ch ? ch + ch : ch;
      const next = text[i + marker.length];
      const opens = next !== undefined && !/\s/.test(next) && !(ch === "_" && isWordChar(text[i - 1]));
      const end = opens ? findClose(text, i + marker.length, marker) : -1;
      if (end !== -1) {
        flush();
        const node = element(marker.length === 2 ? "strong" : "em");
        renderInline(text.slice(i + marker.length, end), node, context);
        parent.append(node);
        i = end + marker.length;
      } else {
        plain += marker;
        i += marker.length;
      }
      continue;
    }
    if (ch === "[") {
      CITATION_GROUP.lastIndex = i;
      const group = CITATION_GROUP.exec(text);
      if (group) {
        const numbers = group[1].split(/[,，、]/).map((part) => parseInt(part.trim(), 10));
        if (numbers.every((n) => n >= 1 && n <= context.citationCount)) {
          const end = CITATION_GROUP.lastIndex;
          flush();
          numbers.forEach((n) => parent.append(citationLink(n, context)));
          i = end;
          continue;
        }
      }
      LINK.lastIndex = i;
      const link = LINK.exec(text);
      const href = link && safeHref(link[2]);
      if (href) {
        const end = LINK.lastIndex; // read before recursing: the inner call reuses the sticky regex
        flush();
        const anchor = element("a");
        anchor.href = href;
        anchor.target = "_blank";
        anchor.rel = "noopener noreferrer";
        renderInline(link[1], anchor, context);
        parent.append(anchor);
        i = end;
        continue;
      }
    }
    plain += ch;
    i += 1;
  }
  flush();
}
