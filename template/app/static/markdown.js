// A small Markdown renderer for model answers that cannot inject HTML: it builds DOM nodes
// and puts all text in with textContent, never innerHTML, so "<img onerror=...>" in an
// answer stays text. It knows what chat answers use: paragraphs, headings, lists, quotes,
// fenced code, rules, `code`, **bold**, *italic* and [links](https://...).

const FENCE = /^\s*(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const INLINE = /(`+)([^`]|[^`][\s\S]*?[^`])\1|\*\*(.+?)\*\*|__(.+?)__|\*([^*\s][^*]*?)\*|_([^_\s][^_]*?)_|\[([^\]]+)\]\(([^)\s]+)\)/;
const SAFE_LINK = /^(https?:|mailto:)/i;

function element(tag, children = []) {
  const node = document.createElement(tag);
  node.append(...children);
  return node;
}

export function renderInline(text) {
  const nodes = [];
  let rest = text;
  for (let match = INLINE.exec(rest); match; match = INLINE.exec(rest)) {
    if (match.index > 0) nodes.push(document.createTextNode(rest.slice(0, match.index)));
    const [whole, , code, strong, strongAlt, em, emAlt, label, href] = match;
    if (code !== undefined) {
      const node = element("code");
      node.textContent = code;
      nodes.push(node);
    } else if (strong !== undefined || strongAlt !== undefined) {
      nodes.push(element("strong", renderInline(strong ?? strongAlt)));
    } else if (em !== undefined || emAlt !== undefined) {
      nodes.push(element("em", renderInline(em ?? emAlt)));
    } else if (SAFE_LINK.test(href)) {
      const link = element("a", renderInline(label));
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      nodes.push(link);
    } else {
      nodes.push(document.createTextNode(whole)); // javascript: and other schemes stay text
    }
    rest = rest.slice(match.index + whole.length);
  }
  if (rest) nodes.push(document.createTextNode(rest));
  return nodes;
}

function paragraph(lines) {
  const children = [];
  lines.forEach((line, index) => {
    if (index > 0) children.push(element("br"));
    children.push(...renderInline(line));
  });
  return element("p", children);
}

function list(tag, items) {
  return element(tag, items.map((item) => element("li", renderInline(item))));
}

// Consecutive lines that `pattern` matches, as their first captured group.
function takeWhile(lines, start, pattern) {
  const items = [];
  let index = start;
  for (; index < lines.length; index += 1) {
    const match = pattern.exec(lines[index]);
    if (!match) break;
    items.push(match[1]);
  }
  return [items, index];
}

export function renderMarkdown(text) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    const fence = FENCE.exec(line);
    if (fence) {
      const body = [];
      index += 1;
      while (index < lines.length && !lines[index].trim().startsWith(fence[1])) {
        body.push(lines[index]);
        index += 1;
      }
      index += 1; // the closing fence (an unclosed one is still streaming)
      const code = element("code");
      code.textContent = body.join("\n");
      if (fence[2]) code.dataset.language = fence[2];
      blocks.push(element("pre", [code]));
      continue;
    }
    if (!line.trim()) {
      index += 1;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push(element(`h${Math.min(heading[1].length + 2, 6)}`, renderInline(heading[2])));
      index += 1;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push(element("hr"));
      index += 1;
      continue;
    }
    let items;
    if (BULLET.test(line)) {
      [items, index] = takeWhile(lines, index, BULLET);
      blocks.push(list("ul", items));
      continue;
    }
    if (NUMBERED.test(line)) {
      [items, index] = takeWhile(lines, index, NUMBERED);
      blocks.push(list("ol", items));
      continue;
    }
    if (QUOTE.test(line)) {
      [items, index] = takeWhile(lines, index, QUOTE);
      blocks.push(element("blockquote", [paragraph(items)]));
      continue;
    }
    const text = [];
    while (index < lines.length && lines[index].trim() && !startsBlock(lines[index])) {
      text.push(lines[index]);
      index += 1;
    }
    blocks.push(paragraph(text));
  }
  return blocks;
}

function startsBlock(line) {
  return [FENCE, HEADING, BULLET, NUMBERED, QUOTE, RULE].some((pattern) => pattern.test(line));
}
