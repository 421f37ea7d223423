import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
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
    expect(
      lines
        .filter((l) => l.text.startsWith("€"))
        .map((l) => l.text)
        .join(""),
    ).toBe(wide);
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

describe("OutputCapture's kept lines", () => {
  test("match a plain model of head and tail for lines of every size, wide characters wrapping round the store", () => {
    const random = seeded(42);
    const alphabet = ["a", "b", "é", "€", "😀", " "];
    for (const maxBytes of [1, 2, 3, 100, 257, 1000, 4099, 12_000, 20_000, 33_333]) {
      const capture = new OutputCapture({ maxBytes });
      const printed: { stream: "stdout" | "stderr"; text: string }[] = [];
      for (let i = 0; i < 3000; i++) {
        // First mostly empty lines, so the store laps round its buffer before it has to grow it.
        const length =
          i < 1500 ? (random() < 0.95 ? 0 : 8 + Math.floor(random() * 5)) : random() < 0.1 ? 0 : Math.floor(random() * (random() < 0.05 ? 3000 : 120));
        let text = String(i);
        while (text.length < length) text += alphabet[Math.floor(random() * alphabet.length)];
        const stream = random() < 0.3 ? "stderr" : "stdout";
        printed.push({ stream, text });
        capture.write(stream, Buffer.from(`${text}\n`));
      }
      const result = capture.end();
      const expected = keptByModel(printed, maxBytes);
      expect(
        result.lines.map((l) => ({ stream: l.stream, text: l.text })),
        `maxBytes ${maxBytes}`,
      ).toEqual(expected.lines);
      expect(result.omittedBytes, `maxBytes ${maxBytes}`).toBe(expected.omittedBytes);
      expect(result.omittedAt, `maxBytes ${maxBytes}`).toBe(expected.omittedAt);
      const times = result.lines.map((l) => l.t);
      expect(times.every((t, i) => Number.isInteger(t) && t >= (times[i - 1] ?? 0))).toBe(true);
    }
  });

  test("match the model when the store grows while the kept text wraps round the end of its buffer", () => {
    // The tail's buffer starts small: text lines among many empty ones lap round it before a
    // long line needs more room.
    for (const textBytes of [700, 1000, 1300]) {
      for (const empties of [2500, 3000]) {
        for (const longBytes of [5000, 8000, 11_000]) {
          const printed: { stream: "stdout" | "stderr"; text: string }[] = [{ stream: "stdout", text: "h".repeat(11_999) }];
          for (let group = 0; group < 7; group++) {
            printed.push({ stream: "stderr", text: `${group}`.padEnd(textBytes - 2, "t") + "é" });
            for (let i = 0; i < empties; i++) printed.push({ stream: "stdout", text: "" });
          }
          printed.push({ stream: "stdout", text: "€".repeat(Math.floor(longBytes / 3)) });
          printed.push({ stream: "stderr", text: "last" });
          const capture = new OutputCapture({ maxBytes: 24_000 });
          for (const line of printed) capture.write(line.stream, Buffer.from(`${line.text}\n`));
          const result = capture.end();
          const expected = keptByModel(printed, 24_000);
          const where = `text ${textBytes}, empties ${empties}, long ${longBytes}`;
          expect(
            result.lines.map((l) => ({ stream: l.stream, text: l.text })),
            where,
          ).toEqual(expected.lines);
          expect(result.omittedBytes, where).toBe(expected.omittedBytes);
        }
      }
    }
  });

  test("do not keep the chunks they were cut from alive", () => {
    // Each chunk is one short line to keep and 16 KiB of colour codes that strip to an empty
    // line: what is kept is tiny, but a kept line sliced from its chunk's string holds all of it.
    const capture = new OutputCapture();
    const chunks = 1000;
    const before = heapAfterGc();
    for (let i = 0; i < chunks; i++) {
      capture.write("stdout", Buffer.from(`kept line ${String(i).padStart(8, "0")}\n${"\x1b[0m".repeat(4096)}\n`));
    }
    const retained = heapAfterGc() - before;
    expect(retained).toBeLessThan(4 * 1024 * 1024); // the chunks were 16 MiB
    const { lines, omittedBytes } = capture.end();
    expect(omittedBytes).toBe(0);
    expect(lines).toHaveLength(2 * chunks);
    expect(lines[2 * chunks - 2]?.text).toBe(`kept line ${String(chunks - 1).padStart(8, "0")}`);
  });
});

/** What the capture keeps of short, plain lines: the old array-based head and tail, as a reference. */
function keptByModel(printed: { stream: "stdout" | "stderr"; text: string }[], maxBytes: number) {
  const headBudget = Math.floor(maxBytes / 2);
  const tailBudget = maxBytes - headBudget;
  const head: typeof printed = [];
  const tail: typeof printed = [];
  let headBytes = 0;
  let tailBytes = 0;
  let omittedBytes = 0;
  for (const line of printed) {
    const bytes = Buffer.byteLength(line.text) + 1;
    if (tail.length === 0 && omittedBytes === 0 && headBytes + bytes <= headBudget) {
      head.push(line);
      headBytes += bytes;
      continue;
    }
    tail.push(line);
    tailBytes += bytes;
    while (tailBytes > tailBudget) {
      const dropped = Buffer.byteLength(tail.shift()!.text) + 1;
      tailBytes -= dropped;
      omittedBytes += dropped;
    }
  }
  return { lines: [...head, ...tail], omittedBytes, omittedAt: omittedBytes > 0 ? head.length : null };
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Heap in use after a full GC (exposed at run time: vitest's workers do not start with --expose-gc). */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  return process.memoryUsage().heapUsed;
}

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
