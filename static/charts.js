// charts.js — small SVG line charts for the admin panel (latency and sessions over the last hour).
// drawLineChart() replaces a container's content with an <svg> (grid, y ticks, clock-time x ticks, one <path>
// per series, a dot on the latest value) plus a legend, and shows the nearest values under the pointer.
// Lines break where samples are missing (the server keeps one point per 10 s). Colours come from style.css.
// The drawing is as wide as its container in CSS pixels (redrawn on resize), so labels keep their size on phones.
// Non-goals: zooming, stacked or bar charts, more than a handful of series, animation.

const SVG_NS = "http://www.w3.org/2000/svg";
const DEFAULT_WIDTH = 640;
const MIN_WIDTH = 300;
const HEIGHT = 240;
const MARGIN = { top: 14, right: 16, bottom: 28, left: 52 };
const charts = new WeakMap(); // container -> {options, hoverX, hoverLayer, frame}

function svgElement(tag, attributes = {}, className = "") {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (className) node.setAttribute("class", className);
  return node;
}

/** A round step (1, 2 or 5 × 10^k) that splits [0, max] into about `count` parts. */
export function niceStep(max, count = 4) {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const multiple = [1, 2, 5, 10].find((m) => m * power >= raw);
  return multiple * power;
}

function pathData(points, x, y, gapSeconds) {
  let d = "";
  let previous = null;
  for (const point of points) {
    const command = previous === null || point.t - previous > gapSeconds ? "M" : "L";
    d += `${command}${x(point.t).toFixed(1)},${y(point.v).toFixed(1)}`;
    previous = point.t;
  }
  return d;
}

function cleanPoints(points) {
  return (points || [])
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v))
    .sort((a, b) => a.t - b.t);
}

/**
 * Draw (or redraw) a line chart into `container`.
 * options: series [{label, points: [{t: epoch seconds, v}]}], end (epoch seconds, default: latest point),
 * spanSeconds (3600), gapSeconds (35), integer (y ticks are whole numbers), title (accessible name),
 * emptyText, formatValue(v) for the legend and pointer readout, formatTick(v) for the y axis, formatTime(t).
 */
export function drawLineChart(container, options) {
  const state = charts.get(container) || { hoverX: null };
  state.options = options;
  charts.set(container, state);
  if (!state.listening) {
    container.addEventListener("pointermove", (event) => onPointer(container, event));
    container.addEventListener("pointerleave", () => {
      state.hoverX = null;
      drawHover(state);
    });
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(() => {
        if (Math.abs(Math.round(container.clientWidth) - state.width) > 4) render(container);
      }).observe(container);
    }
    state.listening = true;
  }
  render(container);
}

function render(container) {
  const state = charts.get(container);
  const { series = [], spanSeconds = 3600, gapSeconds = 35, integer = false, title = "", emptyText = "" } = state.options;
  const formatValue = state.options.formatValue || ((v) => String(Math.round(v)));
  const formatTick = state.options.formatTick || formatValue;
  const formatTime = state.options.formatTime || ((t) => new Date(t * 1000).toLocaleTimeString());
  const lines = series.map((s) => ({ label: s.label, points: cleanPoints(s.points) }));
  const all = lines.flatMap((s) => s.points);
  const end = state.options.end ?? (all.length ? Math.max(...all.map((p) => p.t)) : Date.now() / 1000);
  const start = end - spanSeconds;
  const visible = lines.map((s) => ({ ...s, points: s.points.filter((p) => p.t >= start && p.t <= end) }));
  const maxValue = Math.max(0, ...visible.flatMap((s) => s.points.map((p) => p.v)));
  let step = niceStep(maxValue * 1.1 || (integer ? 4 : 1));
  if (integer) step = Math.max(1, Math.ceil(step));
  const top = Math.max(step, Math.ceil((maxValue * 1.05) / step) * step);

  const width = Math.max(MIN_WIDTH, Math.round(container.clientWidth) || DEFAULT_WIDTH);
  state.width = width;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t) => MARGIN.left + ((t - start) / spanSeconds) * plotWidth;
  const y = (v) => MARGIN.top + plotHeight - (v / top) * plotHeight;

  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${HEIGHT}`, role: "img", preserveAspectRatio: "xMidYMid meet" });
  const latest = visible.map((s) => (s.points.length ? `${s.label} ${formatValue(s.points[s.points.length - 1].v)}` : ""));
  svg.setAttribute("aria-label", [title, ...latest.filter(Boolean)].filter(Boolean).join(" — "));
  const titleNode = svgElement("title");
  titleNode.textContent = svg.getAttribute("aria-label");
  svg.append(titleNode);

  for (let tick = 0; tick * step <= top + step / 2; tick += 1) {
    const value = tick * step;
    svg.append(svgElement("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(value), y2: y(value) }, "grid-line"));
    const label = svgElement("text", { x: MARGIN.left - 6, y: y(value) + 4, "text-anchor": "end" }, "axis-label");
    label.textContent = formatTick(value);
    svg.append(label);
  }
  const tickMinutes = plotWidth < 420 ? 30 : 15; // fewer time labels where they would collide
  for (let minutesAgo = 60; minutesAgo >= 0; minutesAgo -= tickMinutes) {
    const t = end - minutesAgo * 60;
    if (t < start) continue;
    const anchor = minutesAgo === 60 ? "start" : minutesAgo === 0 ? "end" : "middle";
    const label = svgElement("text", { x: x(t), y: HEIGHT - 8, "text-anchor": anchor }, "axis-label");
    label.textContent = formatTime(t);
    svg.append(label);
  }

  if (!all.length) {
    const empty = svgElement("text", { x: MARGIN.left + plotWidth / 2, y: MARGIN.top + plotHeight / 2, "text-anchor": "middle" }, "empty-label");
    empty.textContent = emptyText;
    svg.append(empty);
  }
  visible.forEach((line, index) => {
    if (!line.points.length) return;
    svg.append(svgElement("path", { d: pathData(line.points, x, y, gapSeconds) }, `series series-${index}`));
    const last = line.points[line.points.length - 1];
    svg.append(svgElement("circle", { cx: x(last.t), cy: y(last.v), r: 3.5 }, `dot dot-${index}`));
  });
  state.hoverLayer = svgElement("g", { "aria-hidden": "true" }, "hover-layer");
  svg.append(state.hoverLayer);
  state.frame = { lines: visible, x, y, start, end, width, formatValue, formatTime };
  drawHover(state);

  const legend = document.createElement("div");
  legend.className = "legend";
  visible.forEach((line, index) => {
    const item = document.createElement("span");
    const swatch = document.createElement("span");
    swatch.className = `legend-swatch swatch-${index}`;
    item.append(swatch, document.createTextNode(latest[index] || line.label));
    legend.append(item);
  });
  container.replaceChildren(svg, legend);
}

/** Draw the pointer readout (guide line, dots, values) into the hover layer only, so the chart stays put. */
function drawHover(state) {
  const layer = state.hoverLayer;
  if (!layer) return;
  layer.replaceChildren();
  const { lines, x, y, start, end, width, formatValue, formatTime } = state.frame;
  if (state.hoverX === null || !lines.some((line) => line.points.length)) return;
  const t = start + ((state.hoverX - MARGIN.left) / (width - MARGIN.left - MARGIN.right)) * (end - start);
  const nearest = lines.map((line) => line.points.reduce((best, p) => (!best || Math.abs(p.t - t) < Math.abs(best.t - t) ? p : best), null));
  const anchor = nearest.find(Boolean);
  const px = x(anchor.t);
  layer.append(svgElement("line", { x1: px, x2: px, y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom }, "hover-line"));
  const rows = [formatTime(anchor.t)];
  nearest.forEach((point, index) => {
    if (!point) return;
    rows.push(`${lines[index].label}: ${formatValue(point.v)}`);
    layer.append(svgElement("circle", { cx: x(point.t), cy: y(point.v), r: 4 }, `dot dot-${index}`));
  });
  const boxWidth = 8 + 6.5 * Math.max(...rows.map((row) => row.length));
  const boxX = px + boxWidth + 12 > width - MARGIN.right ? px - boxWidth - 8 : px + 8;
  layer.append(svgElement("rect", { x: boxX, y: MARGIN.top, width: boxWidth, height: 8 + rows.length * 15, rx: 4 }, "hover-box"));
  rows.forEach((row, index) => {
    const text = svgElement("text", { x: boxX + 6, y: MARGIN.top + 16 + index * 15 }, "hover-text");
    text.textContent = row;
    layer.append(text);
  });
}

function onPointer(container, event) {
  const state = charts.get(container);
  const svg = container.querySelector("svg");
  if (!svg) return;
  const box = svg.getBoundingClientRect();
  if (!box.width) return;
  const hoverX = ((event.clientX - box.left) / box.width) * state.width;
  state.hoverX = hoverX >= MARGIN.left && hoverX <= state.width - MARGIN.right ? hoverX : null;
  drawHover(state);
}
