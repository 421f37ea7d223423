import { parse } from "yaml";

/**
 * Splits a run log into its YAML front matter and Markdown body. Throws when the front
 * matter is missing or not a mapping: a log that does not parse is not a log.
 */
export function parseRunLog(markdown: string): { frontMatter: Record<string, unknown>; body: string } {
  const match = /^\uFEFF?---\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/.exec(markdown);
  if (match === null) throw new Error("run log has no YAML front matter");
  const frontMatter: unknown = parse(match[1] ?? "") ?? {};
  if (typeof frontMatter !== "object" || Array.isArray(frontMatter)) {
    throw new Error("run log front matter is not a mapping");
  }
  return { frontMatter: frontMatter as Record<string, unknown>, body: markdown.slice(match[0].length) };
}
