// dom.js — small DOM builders shared by the admin panel's sections (admin.js, admin_documents.js).
// Text goes in as text (textContent), never as HTML.

/** A table cell holding `content`: a node as is, anything else as text; `className` on the cell. */
export function cell(content, className = "") {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}
