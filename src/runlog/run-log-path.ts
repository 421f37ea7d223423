import { createHash } from "node:crypto";
import { posix } from "node:path";

// Long enough that no two merges of one script share it by chance or by a crafted commit
// (a 7-hex prefix can be brute-forced to match another run's), short enough to read.
const SHA_CHARS = 12;

// ISO 8601 with an explicit offset: without one, Date would read the time in the server's
// own zone and two hosts could put one run's log in different folders.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** One run of one merged script, as every log path scheme names it. */
export interface RunLogRef {
  logsDir?: string;
  scriptsDir?: string;
  script: string;
  commit: string;
  attempt: number;
}

/**
 * Where the run log of one script run lives, e.g. `logs/2026/11/billing/fix.ts-abc1234def56.md`
 * for `scripts/billing/fix.ts` merged at commit abc1234def56… in November 2026 (UTC).
 *
 * - Dated by the merge commit's committer date, never the run's clock, so anyone (a retried
 *   cleanup, the re-run guard) derives the same path; and no folder outgrows the 1,000
 *   entries GitHub lists.
 * - One-to-one: the script's whole name is kept (extension included, so `dup.ts` and
 *   `dup.mjs` differ) and characters unsafe in URLs and shells are percent-encoded, `%`
 *   included, so no two scripts, however named, share a log.
 * - A manual retry (attempt ≥ 2) gets its own file.
 */
export function runLogPath(o: RunLogRef & { committedAt: string }): string {
  const { logsDir, relative } = locate(o);
  return inside(logsDir, posix.join(logsDir, utcMonth(o.committedAt), flatName(relative, o)));
}

/** One run of a chore a person asked for, as its log path names it. */
export interface ChoreLogRef {
  logsDir?: string;
  /** The chore's name in the catalog (`billing/unlock-account`). */
  chore: string;
  runId: string;
  /** When the run was asked for (ISO 8601 with an offset): its UTC date names the folder and file. */
  requestedAt: string;
  attempt: number;
}

/**
 * Where the log of a chore run lives, e.g.
 * `logs/chores/billing/unlock-account/2026/12/06-widgets-chore-billing-unlock-account-3fa2b1c9d0e4.md`:
 * one folder per chore and month (no folder outgrows GitHub's 1,000-entry listing), the day
 * and the run id in the name (a run id is unique, so no two runs share a log), a manual
 * retry's own file. Every segment is encoded like a script's name, so no chore name reaches
 * outside `<logsDir>/chores`.
 */
export function choreLogPath(o: ChoreLogRef): string {
  checkAttempt(o.attempt);
  const logsDir = normalisedLogsDir(o.logsDir);
  const { year, month, day } = utcDate(o.requestedAt, "requestedAt");
  const chore = trimSlashes(o.chore).split("/").map(encodeSegment).join("/");
  const name = `${day}-${encodeSegment(o.runId)}${attemptSuffix(o.attempt)}.md`;
  return inside(logsDir, posix.join(logsDir, "chores", chore, year, month, name));
}

/** A schedule's records: one digest per day, and the tries committed on their own (a streak's first failure, a recovery). */
export interface ScheduleLogRef {
  logsDir?: string;
  /** The chore's name in the catalog. */
  chore: string;
  /** The UTC day they belong to: an occurrence's time, or any time of the digest's day (ISO 8601 with an offset). */
  at: string;
}

/**
 * Where a scheduled try's own log lives, e.g.
 * `logs/schedules/billing/purge-sessions/2026/12/06-sched-acme.shop-billing-purge-sessions-1a2b3c4d-1796540400000-try-2.md`:
 * dated by the occurrence (never the run's clock, so a retried cleanup finds the same path),
 * named by the run id (unique per occurrence and try), a manual retry's own file. Next to the
 * day's digest (`<dd>.md`), which no run id can name.
 */
export function scheduleLogPath(o: ScheduleLogRef & { runId: string; attempt: number }): string {
  checkAttempt(o.attempt);
  return scheduleFile(o, `${utcDate(o.at, "at").day}-${encodeSegment(o.runId)}${attemptSuffix(o.attempt)}.md`);
}

/** Where a schedule's digest of one UTC day lives: `logs/schedules/<chore>/<yyyy>/<mm>/<dd>.md`. */
export function scheduleDigestPath(o: ScheduleLogRef): string {
  return scheduleFile(o, `${utcDate(o.at, "at").day}.md`);
}

function scheduleFile(o: ScheduleLogRef, name: string): string {
  const logsDir = normalisedLogsDir(o.logsDir);
  const { year, month } = utcDate(o.at, "at");
  const chore = trimSlashes(o.chore).split("/").map(encodeSegment).join("/");
  return inside(logsDir, posix.join(logsDir, "schedules", chore, year, month, name));
}

/**
 * The paths older releases gave the same run, newest scheme first, so whoever asks "has this
 * run a log already?" finds logs committed before the dated folders. Logs are never moved.
 */
export function earlierRunLogPaths(o: RunLogRef): string[] {
  const { logsDir, relative } = locate(o);
  return [flatName(relative, o), firstName(relative, o)].map((name) => inside(logsDir, posix.join(logsDir, name)));
}

/** `<yyyy>/<mm>` of an ISO 8601 time, in UTC. */
function utcMonth(iso: string): string {
  const { year, month } = utcDate(iso, "committedAt");
  return `${year}/${month}`;
}

/** The UTC year, month and day of an ISO 8601 time with an offset, zero-padded. */
function utcDate(iso: string, name: string): { year: string; month: string; day: string } {
  const time = ISO_WITH_OFFSET.test(iso) ? new Date(iso) : null;
  if (!time || Number.isNaN(time.getTime())) throw new RangeError(`${name} must be an ISO 8601 time with an offset, got ${iso}`);
  const pad = (n: number, width: number) => String(n).padStart(width, "0");
  return { year: pad(time.getUTCFullYear(), 4), month: pad(time.getUTCMonth() + 1, 2), day: pad(time.getUTCDate(), 2) };
}

function checkAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, got ${attempt}`);
}

function normalisedLogsDir(given: string | undefined): string {
  const logsDir = trimSlashes(posix.normalize(given ?? "logs"));
  if (logsDir === ".." || logsDir.startsWith("../")) throw new RangeError(`logsDir escapes the repository: ${given}`);
  return logsDir;
}

/** The checks and normalising every scheme shares: the logs dir, and the script relative to the scripts dir. */
function locate(o: RunLogRef): { logsDir: string; relative: string } {
  checkAttempt(o.attempt);
  const logsDir = normalisedLogsDir(o.logsDir);
  const scriptsDir = trimSlashes(posix.normalize(o.scriptsDir ?? "scripts"));
  const script = trimSlashes(posix.normalize(o.script));
  const relative = scriptsDir !== "." && script.startsWith(`${scriptsDir}/`) ? script.slice(scriptsDir.length + 1) : script;
  return { logsDir, relative };
}

/** A name is built from what a script or commit author chose: refuse anything that would land outside the logs dir. */
function inside(logsDir: string, path: string): string {
  if (logsDir !== "." && !path.startsWith(`${logsDir}/`)) throw new RangeError(`run log path escapes ${logsDir}: ${path}`);
  return path;
}

function attemptSuffix(attempt: number): string {
  return attempt >= 2 ? `-attempt-${attempt}` : "";
}

/** `<encoded script>-<12 hex>[-attempt-n].md`: the name today, and the whole path (under logs/) before dated folders. */
function flatName(relative: string, o: RunLogRef): string {
  const name = relative.split("/").map(encodeSegment).join("/");
  const commit = encodeSegment(o.commit.toLowerCase().slice(0, SHA_CHARS));
  return `${name}-${commit}${attemptSuffix(o.attempt)}.md`;
}

/**
 * The first releases' name (commit c7b2167), kept byte for byte: extension dropped, segments
 * sanitised by safeSegment, a hash of the original when that changed it, 7 hex of the commit.
 */
function firstName(relative: string, o: RunLogRef): string {
  const withoutExtension = relative.slice(0, relative.length - posix.extname(relative).length);
  let name = withoutExtension.split("/").map(safeSegment).join("/");
  if (name !== withoutExtension) name += `-${createHash("sha256").update(relative).digest("hex").slice(0, 6)}`;
  const commit = safeSegment(o.commit.toLowerCase().slice(0, 7));
  return `${name}-${commit}${attemptSuffix(o.attempt)}.md`;
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

/** The first scheme's sanitiser (lossy, hence its hash): letters, digits, `.`, `_` and `-`; no hidden or `..` names. */
function safeSegment(segment: string): string {
  const safe = segment.replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^[.-]+/, "");
  return safe === "" ? "_" : safe;
}
