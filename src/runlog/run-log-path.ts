import { posix } from "node:path";

// Long enough that no two merges of one script share it by chance or by a crafted commit
// (git itself abbreviates to 12 in large repositories), short enough to read.
const SHA_CHARS = 12;

/**
 * Where the run log of one script run lives, e.g. `logs/billing/fix.ts-abc1234def56.md` for
 * `scripts/billing/fix.ts` at commit abc1234def56…. Deterministic, so a retried cleanup step
 * finds the file it may already have written; a manual retry (attempt ≥ 2) gets its own.
 * One-to-one: the script's whole name is kept (extension included, so `dup.ts` and `dup.mjs`
 * differ) and characters unsafe in URLs and shells are percent-encoded, `%` included, so
 * no two scripts, however named, share a log.
 */
export function runLogPath(o: {
  logsDir?: string;
  scriptsDir?: string;
  script: string;
  commit: string;
  attempt: number;
}): string {
  if (!Number.isInteger(o.attempt) || o.attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, got ${o.attempt}`);
  const logsDir = trimSlashes(posix.normalize(o.logsDir ?? "logs"));
  const scriptsDir = trimSlashes(posix.normalize(o.scriptsDir ?? "scripts"));
  if (logsDir === ".." || logsDir.startsWith("../")) throw new RangeError(`logsDir escapes the repository: ${o.logsDir}`);

  const script = trimSlashes(posix.normalize(o.script));
  const relative = scriptsDir !== "." && script.startsWith(`${scriptsDir}/`) ? script.slice(scriptsDir.length + 1) : script;
  const name = relative.split("/").map(encodeSegment).join("/");
  const commit = encodeSegment(o.commit.toLowerCase().slice(0, SHA_CHARS));
  const attempt = o.attempt >= 2 ? `-attempt-${o.attempt}` : "";
  const path = posix.join(logsDir, `${name}-${commit}${attempt}.md`);
  if (logsDir !== "." && !path.startsWith(`${logsDir}/`)) throw new RangeError(`run log path escapes ${logsDir}: ${path}`);
  return path;
}

function trimSlashes(path: string): string {
  return path.replace(/^(?:\.\/)+/, "").replace(/^\/+|\/+$/g, "") || ".";
}

/**
 * Letters, digits, `_`, `-` and inner `.` stay; anything else (a leading `.` or `-` too, so
 * no hidden or `..` names) becomes `%XX` per UTF-8 byte. `%` itself is encoded, which makes
 * the mapping reversible and so unique.
 */
function encodeSegment(segment: string): string {
  let out = "";
  for (const [i, char] of [...segment].entries()) {
    const safe = /^[\p{L}\p{N}_-]$/u.test(char) || (char === "." && i > 0);
    out += safe && !(i === 0 && char === "-") ? char : percentEncode(char);
  }
  return out === "" ? "%00" : out;
}

function percentEncode(char: string): string {
  return [...Buffer.from(char, "utf8")].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("");
}
