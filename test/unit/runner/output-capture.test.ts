import { describe, expect, test } from "vitest";
import type { OutputLine } from "../../../src/run-types.js";
import { OutputCapture } from "../../../src/runner/output-capture.js";
import { createRedactor } from "../../../src/runner/redact.js";

const MAX_LINE_BYTES = 16 * 1024;
const texts = (lines: OutputLine[]) => lines.map((l) => `${l.stream}:${l.text}`);
const keptBytes = (lines: OutputLine[]) => lines.reduce((n, l) => n + Buffer.byteLength(l.text) + 1, 0);

describe("OutputCapture", () => {
  test("splits chunks into lines per stream, keeps arrival order, flushes partial last lines", () => {
    const capture = new OutputCapture();
    capture.write("stdout", Buffer.from("one\ntw"));
    capture.write("stderr", Buffer.from("oops\r\n"));
    capture.write("stdout", Buffer.from("o\n\nthree"));
    capture.write("stderr", Buffer.from("tail"));
    const { lines, omittedBytes, omittedAt } = capture.end();
    expect(texts(lines)).toEqual(["stdout:one", "stderr:oops", "stdout:two", "stdout:", "stdout:three", "stderr:tail"]);
    expect(omittedBytes).toBe(0);
    expect(omittedAt).toBeNull();
    for (const line of lines) expect(Number.isInteger(line.t) && line.t >= 0).toBe(true);
  });

  test("redacts a secret split across two chunks of the same line, before onLine sees it", () => {
    const seen: string[] = [];
    const capture = new OutputCapture({ redact: createRedactor(["supersecret"]), onLine: (l) => seen.push(l.text) });
    capture.write("stdout", Buffer.from("password: super"));
    capture.write("stdout", Buffer.from("secret ok\nlast supers"));
    capture.write("stdout", Buffer.from("ecret"));
    const { lines } = capture.end();
    expect(lines.map((l) => l.text)).toEqual(["password: [REDACTED] ok", "last [REDACTED]"]);
    expect(seen).toEqual(["password: [REDACTED] ok", "last [REDACTED]"]);
  });

  test("keeps multi-byte characters split across chunks and turns invalid bytes into U+FFFD", () => {
    const capture = new OutputCapture();
    const text = Buffer.from("é € 😀\n");
    for (const byte of text) capture.write("stdout", Buffer.from([byte]));
    capture.write("stderr", Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x0a]));
    capture.write("stderr", Buffer.from([0xe2, 0x82]));
    expect(texts(capture.end().lines)).toEqual(["stdout:é € 😀", "stderr:a\uFFFDb\uFFFD", "stderr:\uFFFD"]);
  });

  test("cuts a 100 KB line into pieces of at most 16 KiB without splitting characters", () => {
    const capture = new OutputCapture();
    const ascii = "a".repeat(100 * 1024);
    const wide = "€".repeat(40_000);
    capture.write("stdout", Buffer.from(`${ascii}\n${wide}\n`));
    const { lines } = capture.end();
    for (const line of lines) expect(Buffer.byteLength(line.text)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    const asciiPieces = lines.filter((l) => l.text.startsWith("a"));
    expect(asciiPieces).toHaveLength(7);
    expect(asciiPieces.map((l) => l.text).join("")).toBe(ascii);
    expect(lines.filter((l) => l.text.startsWith("€")).map((l) => l.text).join("")).toBe(wide);
  });

  test("cuts an unfinished line as it grows, and still redacts a secret that straddles the cut", () => {
    const seen: OutputLine[] = [];
    const secret = "S3CRET-VALUE-THAT-STRADDLES";
    const capture = new OutputCapture({ redact: createRedactor([secret]), onLine: (l) => seen.push(l) });
    // The first chunk ends inside the secret, past the 16 KiB mark.
    const chunks = [`${"x".repeat(MAX_LINE_BYTES - 10)}${secret.slice(0, 15)}`, `${secret.slice(15)}y`];
    for (let i = 0; i < 100; i++) chunks.push("y".repeat(2000));
    for (const chunk of chunks) capture.write("stdout", Buffer.from(chunk));
    // Pieces went out before the line ended: memory does not grow with the line.
    expect(seen.length).toBeGreaterThan(5);
    const { lines } = capture.end();
    const joined = lines.map((l) => l.text).join("");
    expect(joined).not.toContain("S3CRET");
    expect(joined).toBe(chunks.join("").replace(secret, "[REDACTED]"));
  });

  test("keeps a head and a tail within maxBytes and counts what it dropped", () => {
    const maxBytes = 64 * 1024;
    const seen: OutputLine[] = [];
    const capture = new OutputCapture({ maxBytes, onLine: (l) => seen.push(l) });
    const count = 20_000;
    const body = "z".repeat(994);
    let total = 0;
    for (let i = 0; i < count; i += 10) {
      let chunk = "";
      for (let j = i; j < i + 10; j++) chunk += `line ${String(j).padStart(5, "0")} ${body}\n`;
      total += Buffer.byteLength(chunk);
      capture.write(streamFor(i), Buffer.from(chunk));
    }
    const { lines, omittedBytes, omittedAt } = capture.end();
    expect(seen).toHaveLength(count);
    expect(keptBytes(lines)).toBeLessThanOrEqual(maxBytes);
    expect(keptBytes(lines)).toBeGreaterThan(maxBytes - 2 * 1024);
    expect(keptBytes(lines) + omittedBytes).toBe(total);
    expect(lines[0]?.text).toMatch(/^line 00000 /);
    expect(lines.at(-1)?.text).toMatch(/^line 19999 /);
    // Kept lines are a prefix and a suffix of what was printed, in order.
    const numbers = lines.map((l) => Number(l.text.slice(5, 10)));
    const gap = numbers.findIndex((n, i) => i > 0 && n !== (numbers[i - 1] ?? 0) + 1);
    expect(gap).toBeGreaterThan(0);
    expect(omittedAt).toBe(gap);
    expect(numbers.slice(gap).every((n, i) => n === (numbers[gap] ?? 0) + i)).toBe(true);
  });

  test("once a line goes to the tail, later lines do too, so order holds", () => {
    const capture = new OutputCapture({ maxBytes: 100 });
    capture.write("stdout", Buffer.from(`${"a".repeat(10)}\n${"b".repeat(45)}\n${"c".repeat(5)}\n`));
    const { lines, omittedBytes, omittedAt } = capture.end();
    expect(lines.map((l) => l.text)).toEqual(["a".repeat(10), "c".repeat(5)]);
    expect(omittedBytes).toBe(46);
    expect(omittedAt).toBe(1);
  });

  test("bounds many empty lines too", () => {
    const capture = new OutputCapture({ maxBytes: 100 });
    capture.write("stdout", Buffer.from("\n".repeat(10_000)));
    const { lines, omittedBytes, omittedAt } = capture.end();
    expect(lines).toHaveLength(100);
    expect(omittedBytes).toBe(9_900);
    expect(omittedAt).toBe(50);
  });
});

// Alternate streams per chunk so both go through the same bounded store.
function streamFor(i: number): "stdout" | "stderr" {
  return i % 20 === 0 ? "stdout" : "stderr";
}

describe("OutputCapture and terminal escapes", () => {
  test("a secret with a colour code or hyperlink in its middle is still redacted", () => {
    const capture = new OutputCapture({ redact: createRedactor(["prod-token-value-123"]) });
    capture.write("stdout", Buffer.from("ansi: prod-token\x1b[1m-value-123\nosc: prod-\x1b]8;;https://x\x07token-value-123\n"));
    expect(capture.end().lines.map((line) => line.text)).toEqual(["ansi: [REDACTED]", "osc: [REDACTED]"]);
  });
});
