// drawers.js — the chat page's side panels on narrow screens: the conversation list slides in from the left,
// the sources panel from the right, over a backdrop; a toggle button each, with aria-expanded kept in step.
// Focus never stays inside a drawer that slides out of view. On wide screens the panels are plain columns
// (style.css) and the drawer state has no visible effect.
// Non-goals: swipe gestures, remembering which drawer was open.

let ui = null;

/** elements: {sidebar, sidebarToggle, sources, sourcesToggle, sourcesClose, backdrop}. */
export function initDrawers(elements) {
  ui = elements;
  ui.sidebarToggle.addEventListener("click", () => setDrawer("sidebar", !document.body.classList.contains("sidebar-open")));
  ui.sourcesToggle.addEventListener("click", () => setDrawer("sources", !document.body.classList.contains("sources-open")));
  ui.sourcesClose.addEventListener("click", () => setDrawer("sources", false));
  ui.backdrop.addEventListener("click", closeDrawers);
}

export function setDrawer(name, open) {
  const drawer = name === "sidebar" ? ui.sidebar : ui.sources;
  const toggle = name === "sidebar" ? ui.sidebarToggle : ui.sourcesToggle;
  // Focus must not stay inside a drawer that is sliding out of view (it becomes invisible).
  if (!open && document.body.classList.contains(`${name}-open`) && drawer.contains(document.activeElement)) toggle.focus();
  document.body.classList.toggle(`${name}-open`, open);
  toggle.setAttribute("aria-expanded", String(open));
  ui.backdrop.hidden = !document.body.matches(".sidebar-open, .sources-open");
}

export function closeDrawers() {
  setDrawer("sidebar", false);
  setDrawer("sources", false);
}
