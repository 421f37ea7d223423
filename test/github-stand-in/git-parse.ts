/** Parsers for git plumbing output (cat-file, diff-tree) into plain data. */

export interface ParsedIdentity {
  name: string;
  email: string;
  /** ISO 8601 in UTC without milliseconds, like GitHub renders git dates. */
  date: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: ParsedIdentity;
  committer: ParsedIdentity;
  /** The message as stored, minus one trailing newline (which `git commit` adds). */
  message: string;
}

export type DiffStatus = "A" | "D" | "M" | "R" | "C" | "T";

export interface DiffEntry {
  status: DiffStatus;
  path: string;
  previousPath?: string;
  oldSha: string;
  newSha: string;
  oldMode: string;
  newMode: string;
  additions: number;
  deletions: number;
}

/** ISO 8601 in UTC without milliseconds ("2024-01-01T00:00:00Z"), GitHub's timestamp format. */
export function isoSeconds(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** git's "<seconds> <+hhmm>" → "2024-01-01T00:00:00Z". */
function gitDateToIso(seconds: string): string {
  return isoSeconds(new Date(Number(seconds) * 1000));
}

function parseIdentity(line: string): ParsedIdentity {
  const match = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (!match) return { name: line, email: "", date: gitDateToIso("0") };
  return { name: match[1]!, email: match[2]!, date: gitDateToIso(match[3]!) };
}

export function parseCommitObject(sha: string, raw: Buffer): CommitInfo {
  const text = raw.toString("utf8");
  const split = text.indexOf("\n\n");
  const headerText = split === -1 ? text : text.slice(0, split);
  let message = split === -1 ? "" : text.slice(split + 2);
  if (message.endsWith("\n")) message = message.slice(0, -1);
  const info: CommitInfo = {
    sha,
    tree: "",
    parents: [],
    author: parseIdentity(""),
    committer: parseIdentity(""),
    message,
  };
  for (const line of headerText.split("\n")) {
    if (line.startsWith(" ")) continue; // continuation of a multi-line header (gpgsig)
    const space = line.indexOf(" ");
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === "tree") info.tree = value;
    else if (key === "parent") info.parents.push(value);
    else if (key === "author") info.author = parseIdentity(value);
    else if (key === "committer") info.committer = parseIdentity(value);
  }
  return info;
}

/** `cat-file --batch` output → sha → { type, data }. */
export function parseBatchOutput(stdout: Buffer): Map<string, { type: string; data: Buffer }> {
  const found = new Map<string, { type: string; data: Buffer }>();
  let offset = 0;
  while (offset < stdout.length) {
    const newline = stdout.indexOf(10, offset);
    const header = stdout.subarray(offset, newline).toString("utf8").split(" ");
    offset = newline + 1;
    if (header[1] === "missing" || header[1] === "ambiguous" || header.length < 3) continue;
    const size = Number(header[2]);
    found.set(header[0]!, { type: header[1]!, data: stdout.subarray(offset, offset + size) });
    offset += size + 1;
  }
  return found;
}

export function commitsInOrder(shas: string[], objects: Map<string, { type: string; data: Buffer }>): CommitInfo[] {
  const commits: CommitInfo[] = [];
  for (const sha of shas) {
    const object = objects.get(sha);
    if (object?.type === "commit") commits.push(parseCommitObject(sha, object.data));
  }
  return commits;
}

/** `diff-tree --numstat -z` → final path → line counts (binary files count 0/0). */
export function parseNumstat(numstat: string): Map<string, { additions: number; deletions: number }> {
  const counts = new Map<string, { additions: number; deletions: number }>();
  const tokens = numstat.split("\0");
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token) continue;
    const [adds, dels, path] = token.split("\t");
    // Renames/copies: "adds\tdels\t" followed by the old and the new path as separate tokens.
    const finalPath = path === "" ? tokens[(i += 2)]! : path!;
    counts.set(finalPath, {
      additions: adds === "-" ? 0 : Number(adds),
      deletions: dels === "-" ? 0 : Number(dels),
    });
  }
  return counts;
}

/** `diff-tree --raw -z` → entries (line counts zero). */
export function parseRawDiff(raw: string): DiffEntry[] {
  const entries: DiffEntry[] = [];
  const tokens = raw.split("\0");
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.startsWith(":")) continue;
    const [oldMode, newMode, oldSha, newSha, statusField] = token.slice(1).split(" ");
    const status = statusField!.charAt(0) as DiffStatus;
    const entry: DiffEntry = {
      status,
      path: "",
      oldSha: oldSha!,
      newSha: newSha!,
      oldMode: oldMode!,
      newMode: newMode!,
      additions: 0,
      deletions: 0,
    };
    if (status === "R" || status === "C") entry.previousPath = tokens[++i]!;
    entry.path = tokens[++i]!;
    entries.push(entry);
  }
  return entries;
}

/** One entry of a raw tree object, its mode canonical as git prints it ("040000", "100755", ...). */
export interface RawTreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  /** The name's bytes as stored, and decoded as UTF-8. */
  nameBytes: Buffer;
  name: string;
}

/**
 * A tree object's bytes ("<octal mode> <name>\0<20-byte id>" repeated) → entries, in stored order;
 * undefined when malformed. Modes are canonicalized like git's tree walker does (canon_mode):
 * regular files become 100644 or 100755, anything not a file, symlink or directory a gitlink.
 */
export function parseTreeObject(data: Buffer): RawTreeEntry[] | undefined {
  const entries: RawTreeEntry[] = [];
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space <= offset) return undefined;
    const nul = data.indexOf(0, space + 1);
    if (nul <= space + 1 || nul + 21 > data.length) return undefined;
    const modeText = data.toString("latin1", offset, space);
    if (!/^[0-7]+$/.test(modeText)) return undefined;
    const raw = parseInt(modeText, 8);
    const format = raw & 0o170000;
    let mode: number;
    let type: RawTreeEntry["type"];
    if (format === 0o100000) {
      mode = raw & 0o100 ? 0o100755 : 0o100644;
      type = "blob";
    } else if (format === 0o120000) {
      mode = 0o120000;
      type = "blob";
    } else if (format === 0o040000) {
      mode = 0o040000;
      type = "tree";
    } else {
      mode = 0o160000;
      type = "commit";
    }
    const nameBytes = data.subarray(space + 1, nul);
    entries.push({
      mode: mode.toString(8).padStart(6, "0"),
      type,
      sha: data.toString("hex", nul + 1, nul + 21),
      nameBytes,
      name: nameBytes.toString("utf8"),
    });
    offset = nul + 21;
  }
  return entries;
}
