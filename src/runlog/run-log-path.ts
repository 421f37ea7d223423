import { createHash } from "node:crypto";
import { posix } from "node:path";

/**
 * Where the run log of one script run lives, e.g. `logs/billing/fix-abc1234.md` for
 * `scripts/billing/fix.ts` at commit abc1234…. Deterministic, so a retried cleanup step
 * finds the file it may already have written; a manual retry (attempt ≥ 2) gets its own.
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
  const withoutExtension = relative.slice(0, relative.length - posix.extname(relative).length);

  const segments = withoutExtension.split("/").map(safeSegment);
  let name = segments.join("/");
  // Two odd names can sanitise to the same path; a hash of the original keeps them apart.
  if (name !== withoutExtension) name += `-${createHash("sha256").update(relative).digest("hex").slice(0, 6)}`;

  const commit = safeSegment(o.commit.toLowerCase().slice(0, 7));
  const attempt = o.attempt >= 2 ? `-attempt-${o.attempt}` : "";
  const path = posix.join(logsDir, `${name}-${commit}${attempt}.md`);
  if (logsDir !== "." && !path.startsWith(`${logsDir}/`)) throw new RangeError(`run log path escapes ${logsDir}: ${path}`);
  return path;
}

function trimSlashes(path: string): string {
  return path.replace(/^(?:\.\/)+/, "").replace(/^\/+|\/+$/g, "") || ".";
}

/** Letters, digits, `.`, `_` and `-` only (safe in URLs and shells); no hidden or `..` names. */
function safeSegment(segment: string): string {
  const safe = segment
    .replace(/[^\p{L}\p{N}._-]+/gu, "-")
    .replace(/^[.-]+/, "");
  return safe === "" ? "_" : safe;
}
