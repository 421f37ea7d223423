import type { ParseArgsConfig } from "node:util";

/** What a command's options parse to (parseArgs' values). */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/**
 * One `chorebot` command: its help (`chorebot <name> --help`) and what it does. cli.ts
 * dispatches through a table of these, one line per command.
 */
export interface Command {
  /** What follows `chorebot <name>` in the usage line, e.g. `<file> [--out <log.md>]`. */
  usage: string;
  /** What it does, in a line or two. */
  summary: string;
  /** The options it takes, for parseArgs (`--help` is added to every command). */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Each option's help line, by option name. */
  optionHelp?: Record<string, string>;
  /** The settings (environment variables) that matter to it, each with a short meaning. */
  settings: [name: string, meaning: string][];
  /** Whether it reads settings from `.env` in the working directory too (the environment wins). */
  readsDotEnv?: boolean;
  /** More to know, printed after the settings. */
  notes?: string;
  run(positionals: string[], values: OptionValues): Promise<number>;
}

/** The command line is wrong: one line on stderr, a hint to `--help`, exit 2. */
export class UsageError extends Error {}

/** The command's positional arguments, exactly `count` of them; `missing` says what is wanted. */
export function expectArguments(positionals: string[], count: number, missing = ""): string[] {
  if (positionals.length < count) throw new UsageError(missing);
  if (positionals.length > count) throw new UsageError(`unexpected argument "${positionals[count]}"`);
  return positionals;
}

/** What `status`, `cancel` (and any command asking a running server) read. */
export const CLIENT_SETTINGS: Command["settings"] = [
  ["CHOREBOT_URL", "the server (default http://127.0.0.1:3000)"],
  ["DASHBOARD_USER, DASHBOARD_PASSWORD", "the dashboard's login, which /api takes (required)"],
];
