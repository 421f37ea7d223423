/**
 * Makes untrusted one-line text (PR titles, messages, logins) safe to drop into a Markdown
 * paragraph: no line breaks, no links, emphasis, HTML or tables it did not ask for.
 */
export function markdownText(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`);
}
