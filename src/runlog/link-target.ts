/**
 * A URL as a Markdown link's target: http(s) only (else null), and every character that could
 * end, escape or bend the link (whitespace, brackets, quotes, backslash, controls, non-ASCII)
 * percent-encoded as UTF-8 bytes (encodeURIComponent leaves `(` and `)` as they are, and
 * throws on a lone surrogate).
 */
export function linkTarget(url: string): string | null {
  if (!/^https?:\/\/[^/]/i.test(url)) return null;
  const percent = (byte: number) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return url.replace(/[^\x21-\x7e]|[()<>[\]\\`"']/gu, (char) => [...Buffer.from(char, "utf8")].map(percent).join(""));
}
