/* Small SVG charts for the manager's reports, drawn here (no CDN, no library). */
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const COLORS = { blue: "#0b5cad", sky: "#8fb8e6", green: "#1a9d5c", red: "#d23f3f", amber: "#e09a1a", grid: "#e6ebf2",
                   text: "#66768a" };

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function niceMax(value) {
    if (!value || value <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(value)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= value) return m * p;
    return 10 * p;
  }

  /* Grouped bars with optional dots per category and a dashed target line.
     spec: {labels, bars: [{name, color, values}], dots?: {name, color, values}, target?: {value, label}, unit} */
  function bars(container, spec) {
    const W = Math.max(420, container.clientWidth || 640), H = 270, L = 44, R = 14, T = 30, B = 34;
    const plotW = W - L - R, plotH = H - T - B;
    const all = spec.bars.flatMap((s) => s.values).concat(spec.dots ? spec.dots.values : [],
                                                          spec.target ? [spec.target.value] : []);
    const hasData = spec.bars.some((s) => s.values.some((v) => v !== null && v !== undefined));
    container.replaceChildren();
    if (!hasData) { container.appendChild(Object.assign(document.createElement("div"), { className: "empty", textContent: "该时段暂无数据" })); return; }
    const max = niceMax(Math.max(...all.map((v) => v || 0)));
    const names = spec.bars.map((s) => s.name).concat(spec.dots ? [spec.dots.name] : []).join(" / ");
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": names, "font-size": "11",
                             "font-family": "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif" });
    const y = (v) => T + plotH - (plotH * (v || 0)) / max;
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      root.appendChild(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: COLORS.grid }));
      root.appendChild(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", fill: COLORS.text },
                           Number.isInteger(v) ? v : v.toFixed(1)));
    }
    const n = spec.labels.length, slot = plotW / n, groupW = Math.min(slot * 0.72, 26 * spec.bars.length + 8);
    const barW = groupW / spec.bars.length;
    spec.labels.forEach((label, i) => {
      const x0 = L + slot * i + (slot - groupW) / 2;
      spec.bars.forEach((s, j) => {
        const v = s.values[i] || 0;
        const rect = svg("rect", { x: x0 + j * barW + 1, y: y(v), width: Math.max(1, barW - 2), height: T + plotH - y(v),
                                   rx: 3, fill: s.color });
        rect.appendChild(svg("title", {}, `${label} ${s.name}: ${v}${spec.unit || ""}`));
        root.appendChild(rect);
        if (v && spec.bars.length === 1) {
          root.appendChild(svg("text", { x: x0 + barW / 2, y: y(v) - 4, "text-anchor": "middle", fill: COLORS.text }, v));
        }
      });
      root.appendChild(svg("text", { x: L + slot * i + slot / 2, y: H - B + 16, "text-anchor": "middle", fill: COLORS.text }, label));
    });
    if (spec.dots) {
      const pts = [];
      spec.dots.values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        const cx = L + slot * i + slot / 2;
        pts.push(`${cx},${y(v)}`);
        const dot = svg("circle", { cx, cy: y(v), r: 4, fill: "#fff", stroke: spec.dots.color, "stroke-width": 2 });
        dot.appendChild(svg("title", {}, `${spec.labels[i]} ${spec.dots.name}: ${v}${spec.unit || ""}`));
        root.appendChild(dot);
      });
      if (pts.length > 1) root.insertBefore(svg("polyline", { points: pts.join(" "), fill: "none", stroke: spec.dots.color,
                                                               "stroke-width": 1.5, "stroke-dasharray": "3 3" }), root.lastChild);
    }
    if (spec.target) {
      const ty = y(spec.target.value);
      root.appendChild(svg("line", { x1: L, x2: W - R, y1: ty, y2: ty, stroke: COLORS.red, "stroke-dasharray": "6 4" }));
      root.appendChild(svg("text", { x: W - R, y: ty - 5, "text-anchor": "end", fill: COLORS.red }, spec.target.label));
    }
    legend(root, spec, L);
    container.appendChild(root);
  }

  function legend(root, spec, x) {
    const items = spec.bars.map((s) => ({ name: s.name, color: s.color, dot: false }));
    if (spec.dots) items.push({ name: spec.dots.name, color: spec.dots.color, dot: true });
    items.forEach((item) => {
      root.appendChild(item.dot
        ? svg("circle", { cx: x + 5, cy: 12, r: 4, fill: "#fff", stroke: item.color, "stroke-width": 2 })
        : svg("rect", { x, y: 7, width: 10, height: 10, rx: 2, fill: item.color }));
      root.appendChild(svg("text", { x: x + 15, y: 16, fill: "#1d2733" }, item.name));
      x += 22 + item.name.length * 12;
    });
  }

  return { bars, COLORS };
})();
