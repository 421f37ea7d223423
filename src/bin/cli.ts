#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, SettingsError } from "../config.js";
import { UsageError, type Command } from "./command.js";
import { COMMANDS } from "./commands.js";
import { commandHelp, overviewHelp } from "./help-text.js";
import { loadDotEnv } from "./load-dot-env.js";

const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    console.error(overviewHelp(COMMANDS, version));
    return 2;
  }
  if (first === "--help" || first === "-h") return print(overviewHelp(COMMANDS, version));
  if (first === "--version" || first === "-v") return print(version);
  if (first === "help") {
    if (rest.length === 0) return print(overviewHelp(COMMANDS, version));
    return print(commandHelp(rest[0]!, commandNamed(rest[0]!)));
  }
  const command = commandNamed(first);
  const { positionals, values } = parseCommandLine(command, rest);
  if (values.help) return print(commandHelp(first, command));
  if (command.readsDotEnv) loadDotEnv(process.cwd());
  return command.run(positionals, values);
}

function print(text: string): number {
  console.log(text);
  return 0;
}

function commandNamed(name: string): Command {
  if (Object.hasOwn(COMMANDS, name)) return COMMANDS[name]!;
  throw new UsageError(name.startsWith("-") ? `unknown option ${name}` : `unknown command "${name}"`);
}

function parseCommandLine(command: Command, args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, help: { type: "boolean", short: "h", default: false } },
    });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (!code?.startsWith("ERR_PARSE_ARGS")) throw error;
    // Node's message goes on about positionals starting with '-': the option is what matters.
    const option = /'([^']+)'/.exec(message)?.[1];
    throw new UsageError(code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option ? `unknown option ${option}` : message.replace(/\.$/, ""));
  }
}

const [invoked] = process.argv.slice(2);
main(process.argv.slice(2)).then(
  // exitCode rather than exit(): let piped output drain first.
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      const name = invoked && Object.hasOwn(COMMANDS, invoked) ? invoked : null;
      console.error(`chorebot${name ? ` ${name}` : ""}: ${error.message}`);
      console.error(name ? `Run "chorebot ${name} --help" for its usage.` : `Run "chorebot --help" for the commands.`);
      process.exitCode = 2;
      return;
    }
    // Settings errors are the operator's to fix: one line each, no stack trace.
    if (error instanceof ConfigError) {
      console.error(error.message.replace(/^/gm, "chorebot: "));
      if (error instanceof SettingsError && invoked && Object.hasOwn(COMMANDS, invoked)) console.error(`Run "chorebot ${invoked} --help" for its settings.`);
    } else console.error(error);
    process.exit(1);
  },
);
