/** A `/chorebot` command, as a comment's command line asks for it. */
export type ChatCommand =
  | { kind: "run"; chore: string; values: Record<string, string>; name?: string }
  | { kind: "cancel"; run: string }
  | { kind: "status"; run: string }
  /** A decision on a parked run: approve or reject one waiting for approvals, resume or roll back an interrupted one. */
  | { kind: "decide"; run: string; decision: "approve" | "reject" | "resume" | "rollback" }
  /** Asks a running iteration to pause after its current batch. */
  | { kind: "pause"; run: string }
  /** Delivers the signal a waiting run waits for, its payload holding these values. */
  | { kind: "continue"; run: string; values: Record<string, string> }
  | { kind: "help" };

export type ParsedCommand = { ok: true; command: ChatCommand } | { ok: false; error: string };

/** What a malformed command's reply shows under what was wrong. */
export const USAGE = [
  "/chorebot run <chore> [name=value …] [--name <run-name>]",
  "/chorebot status <run-id | run-name>",
  "/chorebot cancel <run-id | run-name>",
  "/chorebot continue <run-id | run-name> [name=value …]",
  "/chorebot approve <run-id | run-name>",
  "/chorebot reject <run-id | run-name>",
  "/chorebot pause <run-id | run-name>",
  "/chorebot resume <run-id | run-name>",
  "/chorebot rollback <run-id | run-name>",
  "/chorebot help",
].join("\n");

// As the SDK names inputs: a JavaScript identifier, ASCII only.
const INPUT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Parses a command line (as findCommandLine found it) into a command, or says what is wrong.
 * Words are split on white space; a value with spaces is quoted, in double quotes (where `\"`
 * and `\\` are a quote and a backslash) or single quotes (taken as they are), for all or part
 * of a word: `reason="two words"`. An input is given once; `--name` is the only flag.
 */
export function parseCommand(line: string): ParsedCommand {
  const split = words(line);
  if (!split.ok) return split;
  const [, sub, ...args] = split.words;
  if (sub === undefined) return { ok: true, command: { kind: "help" } };
  switch (sub.toLowerCase()) {
    case "run":
      return parseRun(args);
    case "cancel":
    case "status":
    case "approve":
    case "reject":
    case "pause":
    case "resume":
    case "rollback": {
      const kind = sub.toLowerCase() as "cancel" | "status" | "pause" | "approve" | "reject" | "resume" | "rollback";
      if (args.length !== 1 || args[0] === "") return fail(`\`${kind}\` takes one run: its id or its name`);
      if (args[0]!.startsWith("--")) return fail(`\`${kind}\` takes no flags`);
      if (kind === "cancel" || kind === "status" || kind === "pause") return { ok: true, command: { kind, run: args[0]! } };
      return { ok: true, command: { kind: "decide", run: args[0]!, decision: kind } };
    }
    case "continue":
      return parseContinue(args);
    case "help":
      return args.length === 0 ? { ok: true, command: { kind: "help" } } : fail("`help` takes nothing after it");
    default:
      return fail(`there is no command ${JSON.stringify(clip(sub))}`);
  }
}

function parseRun(args: string[]): ParsedCommand {
  const values: Record<string, string> = {};
  let chore: string | undefined;
  let name: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("--")) {
      const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
      if (flag !== "--name") return fail(`there is no flag ${JSON.stringify(clip(flag))}: the one flag is --name`);
      if (name !== undefined) return fail("--name is given twice");
      const value = inline ?? args[++i];
      if (value === undefined || value === "") return fail("--name needs a run name after it");
      name = value;
    } else if (chore === undefined) {
      if (arg.includes("=")) return fail("`run` needs the chore's name first, then its inputs as name=value");
      chore = arg;
    } else {
      const problem = addValue(values, arg, "input");
      if (problem !== null) return fail(problem);
    }
  }
  if (chore === undefined || chore === "") return fail("`run` needs the chore's name");
  return { ok: true, command: { kind: "run", chore, values, ...(name === undefined ? {} : { name }) } };
}

function parseContinue(args: string[]): ParsedCommand {
  const [run, ...rest] = args;
  if (run === undefined || run === "" || run.includes("=")) return fail("`continue` needs the run first (its id or its name), then any values as name=value");
  if (run.startsWith("--")) return fail("`continue` takes no flags");
  const values: Record<string, string> = {};
  for (const arg of rest) {
    const problem = addValue(values, arg, "value");
    if (problem !== null) return fail(problem);
  }
  return { ok: true, command: { kind: "continue", run, values } };
}

/** Adds `name=value` to `values` (`noun`: what such a pair is, "input" or "value"), or says what is wrong with it. */
function addValue(values: Record<string, string>, arg: string, noun: "input" | "value"): string | null {
  const a = noun === "input" ? "an" : "a";
  const equals = arg.indexOf("=");
  if (equals < 0) return `${JSON.stringify(clip(arg))} is not ${a} ${noun}: give ${noun}s as name=value`;
  const name = arg.slice(0, equals);
  if (!INPUT_NAME.test(name)) return `${JSON.stringify(clip(name))} is not ${a} ${noun}'s name`;
  if (Object.hasOwn(values, name)) return `the ${noun} ${name} is given twice`;
  // Defined, not assigned: `__proto__=x` is a name (refused as undeclared), not the object's prototype.
  Object.defineProperty(values, name, { value: arg.slice(equals + 1), enumerable: true, writable: true, configurable: true });
  return null;
}

/** The line's words, quotes removed, or where its quoting is wrong. */
function words(line: string): { ok: true; words: string[] } | { ok: false; error: string } {
  const result: string[] = [];
  let current: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      if (current !== null) result.push(current);
      current = null;
    } else if (c === '"' || c === "'") {
      let value = "";
      let closed = false;
      for (i++; i < line.length; i++) {
        const d = line[i]!;
        if (d === c) {
          closed = true;
          break;
        }
        if (c === '"' && d === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) value += line[++i];
        else value += d;
      }
      if (!closed) return fail(`a ${c === '"' ? "double" : "single"} quote is not closed`);
      current = (current ?? "") + value;
    } else {
      current = (current ?? "") + c;
    }
  }
  if (current !== null) result.push(current);
  return { ok: true, words: result };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

/** A word quoted back to its writer: short, so a reply never repeats a huge word. */
function clip(text: string): string {
  return text.length <= 60 ? text : `${Array.from(text).slice(0, 59).join("")}…`;
}
