/**
 * Text from a pull request (a step's name, a path) as literal Markdown, for the check's
 * summary: every ASCII punctuation mark backslash-escaped (CommonMark lets any be, and GitHub's
 * tables take `\|`), so nothing in it becomes a link, an image, HTML, emphasis, code or a table
 * cell; line breaks and invisible characters become spaces, so it stays on its line.
 */
export function markdownText(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, " ").replace(/[!-/:-@[-`{-~]/g, (mark) => `\\${mark}`);
}
