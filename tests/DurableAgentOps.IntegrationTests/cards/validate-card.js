// Checks an Adaptive Card the way a 1.4 host reads it, with the adaptivecards library (the JavaScript renderer's own
// parser), and prints what it found as one JSON object on stdout. Input: a card, or a Teams Workflows envelope
// ({"type":"message","attachments":[{"content": card}]}), as JSON on stdin. Parsing needs no DOM; rendering would, so
// this script does not render. Markdown is checked with markdown-it (linkify on), the processor the JavaScript
// renderer uses when one is present: drafted text must come out as plain text, never as a link or formatting.
"use strict";

// The package's "main" (lib/) is ES modules with extensionless imports that Node cannot load; dist/ is the UMD build.
const AC = require("adaptivecards/dist/adaptivecards.js");
const markdownIt = require("markdown-it");

const md = markdownIt({ html: false, linkify: true, typographer: false });
// Fuzzy links too ("evil.example/login", "a@b.example"): chat clients link those as well.
md.linkify.set({ fuzzyLink: true, fuzzyEmail: true, fuzzyIP: true });

function readStdin() {
  return require("fs").readFileSync(0, "utf8");
}

function main() {
  const input = JSON.parse(readStdin());
  const json = input && input.type === "message" ? input.attachments[0].content : input;

  const context = new AC.SerializationContext(AC.Versions.v1_4);
  const card = new AC.AdaptiveCard();
  card.parse(json, context);

  const errors = [];
  const warnings = [];
  const sort = (event) => {
    const entry = { event: AC.ValidationEvent[event.event], message: event.message };
    // Hints and deprecations do not stop a host from showing the card; everything else does or drops content.
    (event.event === AC.ValidationEvent.Hint || event.event === AC.ValidationEvent.Deprecated ? warnings : errors).push(entry);
  };
  for (let i = 0; i < context.eventCount; i++) {
    sort(context.getEventAt(i));
  }
  for (const event of card.validateProperties().validationEvents) {
    sort(event);
  }

  const actions = [];
  for (let i = 0; i < card.getActionCount(); i++) {
    const action = card.getActionAt(i);
    actions.push({ type: action.getJsonTypeName(), title: action.title, url: action.url });
  }

  // Every text a 1.4 host may treat as Markdown: TextBlock.text, Fact.title and Fact.value. "texts" is what a reader
  // sees of each once rendered (tags dropped, entities decoded); "markdown" lists those that rendered as more than text.
  const markdown = [];
  const texts = [];
  const decode = (html) => html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  const visit = (node) => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== "object") {
      return;
    }
    const own = [];
    if (node.type === "TextBlock" && typeof node.text === "string") own.push(node.text);
    if (node.type === "FactSet" && Array.isArray(node.facts)) node.facts.forEach((f) => own.push(f.title, f.value));
    for (const text of own) {
      const html = md.render(String(text)).trim();
      texts.push(decode(html));
      // Plain text renders as one paragraph (or several), with nothing inside but text and line breaks.
      const tags = (html.match(/<\/?([a-zA-Z0-9]+)/g) || []).map((t) => t.replace(/[<\/]/g, "").toLowerCase());
      const foreign = [...new Set(tags.filter((t) => t !== "p" && t !== "br"))];
      if (foreign.length > 0) markdown.push({ text: String(text), html, tags: foreign });
    }
    Object.values(node).forEach(visit);
  };
  visit(json);

  process.stdout.write(JSON.stringify({
    version: card.version ? card.version.toString() : null,
    errors,
    warnings,
    actions,
    markdown,
    texts,
  }));
}

try {
  main();
} catch (error) {
  process.stdout.write(JSON.stringify({ version: null, errors: [{ event: "Exception", message: String(error && error.stack || error) }], warnings: [], actions: [], markdown: [], texts: [] }));
  process.exitCode = 1;
}
