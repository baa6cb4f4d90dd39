// dom.js — small DOM builders and formats shared by the admin panel's sections (admin.js, admin_documents.js,
// admin_reports.js). Text goes in as text (textContent), never as HTML.

import { lang } from "./i18n.js";

/** A table cell holding `content`: a node as is, anything else as text; `className` on the cell. */
export function cell(content, className = "") {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

/** `rows` as the table's body; with none, one muted row across every column saying `emptyText` (in a cell
 * made by `makeCell`, as the table's other cells are). */
export function fillTable(table, rows, emptyText, makeCell = cell) {
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = makeCell(emptyText, "muted");
    td.colSpan = table.tHead.rows[0].cells.length;
    tr.append(td);
    rows = [tr];
  }
  table.tBodies[0].replaceChildren(...rows);
}

/** A date (ISO text, or epoch seconds) in the page's language; "—" when there is none. */
export function dateTime(value) {
  if (value === null || value === undefined || value === "") return "—";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(lang());
}
