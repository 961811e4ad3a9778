// Renders Mermaid charts with the real Mermaid under jsdom and reports, for
// every node and link, the style a browser would apply: the CSS cascade
// (inline `!important` > stylesheet `!important` > inline > stylesheet >
// presentation attribute, then specificity, then order) worked out here,
// because jsdom lays nothing out and does not cascade SVG properties.
//
//   node styles.mjs 10|11 < charts.json > result.json
//
// charts.json is a JSON list of chart texts; the result is a list with, per
// chart, {version, nodes: {id: {fill, stroke, strokeWidth, label}},
// links: [{stroke, strokeWidth}]} or {error}.
import { createRequire } from "node:module";
import { JSDOM } from "jsdom";

const major = process.argv[2];
const packageName = { 10: "mermaid10", 11: "mermaid11" }[major];
if (!packageName) {
  process.stderr.write("usage: node styles.mjs 10|11 < charts.json\n");
  process.exit(2);
}

const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>", { pretendToBeVisual: true });
const { window } = dom;
for (const name of ["window", "document", "navigator", "Element", "HTMLElement", "SVGElement", "Node",
                    "DOMParser", "XMLSerializer", "MutationObserver", "CSSStyleSheet", "getComputedStyle"]) {
  Object.defineProperty(globalThis, name, { value: name === "window" ? window : window[name], configurable: true,
                                            writable: true });
}
// No layout in jsdom: every text measures 8 px a character and 16 px a line,
// which is all Mermaid needs to place boxes that do not overlap.
function measure() {
  const lines = (this.innerHTML || this.textContent || "").split(/<br\s*\/?>|\n/);
  const longest = Math.max(1, ...lines.map((line) => line.replace(/<[^>]*>/g, "").length));
  return { x: 0, y: 0, width: 8 * longest, height: 16 * Math.max(1, lines.length) };
}
window.SVGElement.prototype.getBBox = measure;
window.SVGElement.prototype.getComputedTextLength = function () { return measure.call(this).width; };
window.HTMLElement.prototype.getBoundingClientRect = function () {
  const box = measure.call(this);
  return { ...box, top: 0, left: 0, right: box.width, bottom: box.height };
};

const { default: mermaid } = await import(packageName);
const version = createRequire(import.meta.url)(`${packageName}/package.json`).version;
mermaid.initialize({ startOnLoad: false });

function declarations(text) {
  const out = [];
  for (const part of (text || "").split(";")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    let value = part.slice(colon + 1).trim();
    const important = /!\s*important\s*$/i.test(value);
    value = value.replace(/!\s*important\s*$/i, "").trim();
    out.push({ name: part.slice(0, colon).trim().toLowerCase(), value, important });
  }
  return out;
}

function specificity(selector) {
  const s = selector.replace(/::[\w-]+/g, " ").replace(/"[^"]*"|'[^']*'/g, "");
  const ids = (s.match(/#[\w-]+/g) || []).length;
  const classes = (s.match(/\.[\w-]+|\[[^\]]*\]|:(?!not\b)[\w-]+/g) || []).length;
  const types = (s.replace(/#[\w-]+|\.[\w-]+|\[[^\]]*\]|:[\w-]+(\([^)]*\))?/g, " ").match(/[a-zA-Z][\w-]*/g) || [])
    .length;
  return ids * 1e6 + classes * 1e3 + types;
}

function splitSelectors(text) {
  const out = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) { out.push(text.slice(start, i)); start = i + 1; }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

function styleRules(svg) {
  const rules = [];
  let order = 0;
  for (const style of svg.querySelectorAll("style")) {
    // jsdom parses the style sheets of HTML <style> elements only.
    const sheet = document.createElement("style");
    sheet.textContent = style.textContent;
    document.head.appendChild(sheet);
    const walk = (list) => {
      for (const rule of list) {
        if (rule.cssRules && !rule.selectorText) { walk(rule.cssRules); continue; }
        if (!rule.selectorText) continue;
        const decls = [];
        for (let i = 0; i < rule.style.length; i++) {
          const name = rule.style[i];
          decls.push({ name: name.toLowerCase(), value: rule.style.getPropertyValue(name).trim(),
                       important: rule.style.getPropertyPriority(name) === "important" });
        }
        rules.push({ selectors: splitSelectors(rule.selectorText), decls, order: order++ });
      }
    };
    walk(sheet.sheet.cssRules);
    sheet.remove();
  }
  return rules;
}

const larger = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
// Inherited, as fill and stroke are: the nearest element that sets it.
function effective(element, property, rules) {
  for (let node = element; node && node.nodeType === 1; node = node.parentNode) {
    const value = cascaded(node, property, rules);
    if (value !== null && value !== "inherit") return value;
  }
  return null;
}
function cascaded(element, property, rules) {
  let best = null;
  const consider = (value, rank) => { if (best === null || larger(rank, best.rank) >= 0) best = { value, rank }; };
  const attribute = element.getAttribute(property);
  if (attribute !== null) consider(attribute, [0, 0, 0]);
  for (const rule of rules) {
    const matching = rule.selectors.filter((selector) => {
      try { return element.matches(selector); } catch { return false; }
    });
    if (!matching.length) continue;
    const weight = Math.max(...matching.map(specificity));
    for (const d of rule.decls) if (d.name === property) consider(d.value, [d.important ? 3 : 1, weight, rule.order]);
  }
  for (const d of declarations(element.getAttribute("style"))) {
    if (d.name === property) consider(d.value, [d.important ? 4 : 2, 0, 0]);
  }
  return best ? best.value : null;
}

const SHAPES = "rect, polygon, path, circle, ellipse";
function shapeOf(node) {
  for (const shape of node.querySelectorAll(SHAPES)) {
    if (!shape.closest(".label")) return shape;
  }
  return null;
}

function normalise(colour) {
  return colour === null ? null : colour.replace(/\s+/g, "").toLowerCase();
}

function describe(svg) {
  const rules = styleRules(svg);
  const look = (element) => ({
    fill: normalise(effective(element, "fill", rules)),
    stroke: normalise(effective(element, "stroke", rules)),
    strokeWidth: normalise(effective(element, "stroke-width", rules)),
  });
  const nodes = {};
  for (const node of svg.querySelectorAll("g.node")) {
    // `flowchart-ID-N` (Mermaid 10) or `PREFIX-flowchart-ID-N` (Mermaid 11)
    const match = /flowchart-(.+)-\d+$/.exec(node.getAttribute("id") || "");
    const id = match && match[1];
    const shape = shapeOf(node);
    if (!id || !shape) continue;
    const label = node.querySelector(".label");
    nodes[id] = { ...look(shape), label: label ? label.textContent.replace(/\s+/g, " ").trim() : "" };
  }
  const links = [...svg.querySelectorAll("path.flowchart-link")].map(look);
  return { nodes, links };
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const [k, text] of JSON.parse(input).entries()) {
  try {
    await mermaid.parse(text);
    const { svg } = await mermaid.render(`chart${k}`, text);
    const host = document.createElement("div");
    document.body.appendChild(host);
    host.innerHTML = svg;
    results.push({ version, ...describe(host.querySelector("svg")) });
    host.remove();
  } catch (error) {
    results.push({ version, error: String((error && error.message) || error) });
  }
}
process.stdout.write(JSON.stringify(results));
