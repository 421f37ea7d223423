/**
 * The first (or last) `maxBytes` bytes of `text` as a string, never splitting a UTF-8
 * character, so a shortened log never grows U+FFFD replacement characters.
 */
export function utf8Head(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  while (end > 0 && isContinuation(buf[end])) end--;
  return buf.subarray(0, end).toString("utf8");
}

export function utf8Tail(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= maxBytes) return text;
  let start = buf.length - Math.max(0, maxBytes);
  while (start < buf.length && isContinuation(buf[start])) start++;
  return buf.subarray(start).toString("utf8");
}

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}
