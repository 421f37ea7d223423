import { createContext, runInContext } from "node:vm";
import { isAlias, isMap, isScalar, LineCounter, parseDocument, type Node } from "yaml";
import { inputsFromDescription } from "../chores/inputs-from-description.js";
import type { LoggedInput } from "../run-types.js";
import { coerceInputs } from "../sdk/inputs.js";
import type { DefinitionReading } from "./read-definition.js";

/** An inputs file larger than this is refused unread: a page of values, not a data set. */
export const INPUTS_FILE_MAX_BYTES = 64 * 1024;

/**
 * Deeper flow nesting (`[[[…]]]`) is refused before the YAML parser sees it: its cost grows
 * faster than the nesting (500 levels: 0.2 s; 10,000, well within the size bound, crash the
 * process), and an inputs file holds plain values.
 */
export const INPUTS_FILE_MAX_NESTING = 16;

/**
 * Block nesting needs no brackets (`- - - … x`, `? ? ? … x`: a level per two bytes) and is
 * bounded by how far right a line's content starts, past its indentation and leading `-`, `?`
 * and `:` indicators: a line further right than this is refused before the YAML parser sees it.
 * About 1,000 levels overflow the parser's stack, and another such parse in the same process
 * then aborts Node (a fatal out-of-memory in V8's regular expression compiler).
 */
export const INPUTS_FILE_MAX_COLUMN = 128;

/**
 * How long checking all of a file's values may take. The script's `pattern`s are its author's,
 * as are the values: one that backtracks without end (`/^(a+)+$/` against `aaa…!`) would hold
 * the process (the pull request check runs in the web process's main thread), so the checks
 * run under a timer that stops them (node:vm's, which interrupts a regular expression too).
 */
export const INPUTS_FILE_CHECK_MS = 1000;

/** How many of a script's inputs a message about an unknown key names. */
const KNOWN_NAMES_SHOWN = 20;

/** One thing wrong with an inputs file, at its line (1-based), with the input it is about when there is one. */
export interface InputsFileProblem {
  line: number;
  input: string | null;
  message: string;
}

export type InputsFileReading =
  /** `values`: raw text per input, as the runner takes them; `logged`: as the script gets them, for the run log. */
  { ok: true; values: Record<string, string>; logged: Record<string, LoggedInput> } | { ok: false; problems: InputsFileProblem[] };

/**
 * Reads `scripts/<name>.inputs.yml` against what its script declares (read statically, see
 * readScriptDefinition), with the SDK's own validators (`coerceInputs` on the inputs rebuilt
 * from the description, as the chores pages check a form): the one function the pull
 * request check and the worker both use, so a value the check refused never runs.
 *
 * The file must be one YAML mapping of declared input names to plain values (string, number,
 * boolean). Refused, each at its line: a name the script does not declare, a value of the
 * wrong type or out of range, choices or pattern, a value for a `secret` input (it would stay
 * in git history), a value for a `file` input (it would name a path on the worker), a
 * duplicate name, a nested value, an alias (never expanded: no alias bomb), malformed YAML,
 * more than INPUTS_FILE_MAX_BYTES. A required input without a default must be given. The
 * script's own `validate` functions run when it starts, as for every run.
 */
export function parseInputsFile(text: string, script: { path: string; reading: DefinitionReading }, filePath: string): InputsFileReading {
  const fail = (line: number, message: string, input: string | null = null): InputsFileReading => ({ ok: false, problems: [{ line, input, message }] });
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > INPUTS_FILE_MAX_BYTES) return fail(1, `${filePath} is ${bytes} bytes; an inputs file may have at most ${INPUTS_FILE_MAX_BYTES}`);
  const deepest = flowNesting(text);
  if (deepest.depth > INPUTS_FILE_MAX_NESTING) {
    return fail(deepest.line, `${filePath} nests \`[\` or \`{\` more than ${INPUTS_FILE_MAX_NESTING} deep; an inputs file holds plain values`);
  }
  const beyond = lineBeyond(text, INPUTS_FILE_MAX_COLUMN);
  if (beyond !== null) {
    return fail(beyond, `${filePath} nests or indents a line more than ${INPUTS_FILE_MAX_COLUMN} columns deep; an inputs file holds plain values`);
  }
  const { reading } = script;
  if (reading.problems.length > 0)
    return fail(1, `chorebot cannot read the definition of ${script.path}, so these values cannot be checked against its inputs`);
  if (reading.definition === null) {
    return fail(1, `${script.path} declares no inputs (it does not use defineScript with \`inputs\`), so it takes no inputs file: delete ${filePath}`);
  }
  const declared = reading.definition.inputs;

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: Node | null | undefined, fallback = 1) => (node?.range ? lines.linePos(node.range[0]).line : fallback);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({ line: lines.linePos(error.pos[0]).line, input: null, message: `not valid YAML: ${firstLine(error.message)}` })),
    };
  }
  if (!isMap(doc.contents)) {
    return fail(lineOf(doc.contents), `${filePath} must be a YAML mapping of input names to values (\`limit: 100\`), one per line`);
  }

  // Said with every unknown key: at most KNOWN_NAMES_SHOWN names, so a script declaring thousands of inputs makes no huge messages.
  const names = Object.keys(declared);
  const shown = names
    .slice(0, KNOWN_NAMES_SHOWN)
    .map((n) => `\`${n}\``)
    .join(", ");
  const known =
    names.length === 0 ? "it declares none" : `its inputs: ${shown}${names.length > KNOWN_NAMES_SHOWN ? ` and ${names.length - KNOWN_NAMES_SHOWN} more` : ""}`;
  const problems: InputsFileProblem[] = [];
  const raw = new Map<string, { text: string; line: number }>();
  for (const pair of doc.contents.items) {
    const keyNode = pair.key as Node | null;
    const valueNode = pair.value as Node | null;
    const line = lineOf(keyNode, lineOf(valueNode));
    if (isAlias(keyNode) || isAlias(valueNode)) {
      problems.push({ line, input: null, message: "YAML aliases (`*name`) are not accepted in an inputs file: write each value out" });
      continue;
    }
    const name = plainText(keyNode);
    if (name === null) {
      problems.push({ line, input: null, message: "each key must be an input's name" });
      continue;
    }
    const input = Object.hasOwn(declared, name) ? declared[name]! : null;
    if (input === null) {
      problems.push({ line, input: name, message: `\`${name}\` is not an input of ${script.path} (${known})` });
      continue;
    }
    if (input.secret === true) {
      problems.push({
        line,
        input: name,
        message: `\`${name}\` is a secret input: its value must not be in the repository (it would stay in git history); leave it out and let the script use its default`,
      });
      continue;
    }
    if (input.type === "file") {
      problems.push({ line, input: name, message: `\`${name}\` is a file input: an inputs file cannot give it (its value would name a path on the worker)` });
      continue;
    }
    const valueLine = lineOf(valueNode, line);
    const text = plainText(valueNode);
    if (text === null) {
      problems.push({ line: valueLine, input: name, message: `\`${name}\` must have one plain value (a string, number or true/false)` });
      continue;
    }
    raw.set(name, { text, line: valueLine });
  }

  const values: Record<string, string> = {};
  const logged: Record<string, LoggedInput> = {};
  const inputs = inputsFromDescription(reading.definition);
  // One input at a time, so each message is known to be this line's; all of them within INPUTS_FILE_CHECK_MS.
  const entries = [...raw];
  const results: ReturnType<typeof coerceInputs>[] = [];
  try {
    withinTime(() => {
      for (const [name, given] of entries) results.push(coerceInputs({ [name]: inputs[name]! }, { [name]: given.text }));
    }, INPUTS_FILE_CHECK_MS);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_SCRIPT_EXECUTION_TIMEOUT") throw error;
    const [name, given] = entries[results.length]!;
    const message = `\`${name}\` could not be checked against its pattern within ${INPUTS_FILE_CHECK_MS} ms (one that backtracks without end?)`;
    return { ok: false, problems: [{ line: given.line, input: name, message }] };
  }
  for (const [index, [name, given]] of entries.entries()) {
    const checked = results[index]!;
    if (!checked.ok) {
      problems.push(...checked.errors.map((message) => ({ line: given.line, input: name, message: `\`${name}\` ${withoutName(message, name)}` })));
      continue;
    }
    values[name] = given.text;
    logged[name] = checked.values[name] as string | number | boolean;
  }
  for (const [name, input] of Object.entries(declared)) {
    if (input.required && !raw.has(name) && !problems.some((p) => p.input === name)) {
      problems.push({ line: 1, input: name, message: `\`${name}\` is required and has no default: give it a value in ${filePath}` });
    }
  }
  return problems.length > 0 ? { ok: false, problems: problems.sort((a, b) => a.line - b.line) } : { ok: true, values, logged };
}

/** Runs `task` and gives what it returns; stopped (an ERR_SCRIPT_EXECUTION_TIMEOUT error) once it has taken `ms`, even inside a regular expression. */
export function withinTime<T>(task: () => T, ms: number): T {
  return runInContext("task()", createContext({ task }), { timeout: ms }) as T;
}

/** The deepest nesting of flow brackets (`[`, `{`), quotes not taken into account (a cheap upper bound), and the line it first reaches it on. */
function flowNesting(text: string): { depth: number; line: number } {
  let depth = 0;
  let deepest = { depth: 0, line: 1 };
  let line = 1;
  for (const char of text) {
    if (char === "\n") line++;
    else if (char === "[" || char === "{") {
      depth++;
      if (depth > deepest.depth) deepest = { depth, line };
    } else if ((char === "]" || char === "}") && depth > 0) depth--;
  }
  return deepest;
}

/** The first line whose content starts right of `limit`, past indentation and block indicators (`- `, `? `, `: `); null when none does. */
function lineBeyond(text: string, limit: number): number | null {
  const lines = text.split(/\r\n|\r|\n/); // YAML's line breaks
  const index = lines.findIndex((content) => /^(?:[ \t]|[-?:](?=[ \t]|$))*/.exec(content)![0].length > limit);
  return index === -1 ? null : index + 1;
}

/**
 * A scalar's value as text (a string, number or boolean: what the core schema makes); null for
 * anything else. A number or boolean is given as written (`007`, `0x10`, a 20-digit id, `True`),
 * for the SDK to parse like a form's text: YAML's number made back into text would not be what
 * reviewers read (`7`, `16`, the id rounded; `010` is 8 under `%YAML 1.1`).
 */
function plainText(node: unknown): string | null {
  if (!isScalar(node)) return null;
  const { value } = node;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return node.source ?? String(value);
  return null;
}

function withoutName(message: string, name: string): string {
  const prefix = `${name}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}
