/** The longest a node's text gets in a diagram, in characters: a diagram is a picture, the table has the whole name. */
const MAX_LABEL_CHARS = 60;

/**
 * Text made safe inside a Mermaid node's quoted label: one line, clipped, and every character
 * but letters, digits, spaces and plain punctuation written as a Mermaid entity (`#quot;`,
 * `#60;`…), so no quote, bracket, arrow, `#`, backtick or HTML can end the label, start markup
 * or another statement.
 */
export function mermaidLabel(text: string, max = MAX_LABEL_CHARS): string {
  const line = text.replace(/\s+/g, " ").trim();
  const chars = [...line];
  const clipped = chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : line;
  return clipped.replace(/[^\p{L}\p{N} _.,:/+=!?-]/gu, (c) => (c === '"' ? "#quot;" : `#${c.codePointAt(0)};`));
}
