import type { Command } from "./command.js";

const INDENT = "  ";

/** `chorebot --help`: every command with its usage, what it does and the settings it reads. */
export function overviewHelp(commands: Record<string, Command>, version: string): string {
  const sections = Object.entries(commands).map(([name, command]) =>
    [
      `${INDENT}chorebot ${name} ${command.usage}`.trimEnd(),
      wrap(command.summary, 6),
      wrap(`settings: ${command.settings.map(([s]) => s).join(", ")}`, 6),
    ].join("\n"),
  );
  return [
    `chorebot ${version}: run reviewed scripts in production`,
    "",
    "Usage:",
    sections.join("\n\n"),
    "",
    `${INDENT}chorebot help <command>, chorebot <command> --help   a command's options and settings`,
    `${INDENT}chorebot --version                                    the installed version`,
    "",
    wrap(
      `Settings are environment variables; ${listed(dotEnvReaders(commands))} also read them from a .env file in the current directory (the environment wins). See .env.example and the README.`,
      0,
    ),
  ].join("\n");
}

/** The commands that read `.env` (readsDotEnv), by name, in the table's order. */
export function dotEnvReaders(commands: Record<string, Command>): string[] {
  return Object.entries(commands).flatMap(([name, command]) => (command.readsDotEnv ? [name] : []));
}

/** `a`, `b` and `c`. */
function listed(names: string[]): string {
  const quoted = names.map((name) => `\`${name}\``);
  return quoted.length < 2 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}

/** `chorebot <name> --help`. */
export function commandHelp(name: string, command: Command): string {
  const options = Object.entries(command.optionHelp ?? {}).map(([option, meaning]) => row(option, meaning));
  const settings = command.settings.map(([setting, meaning]) => row(setting, meaning));
  return [
    `Usage: chorebot ${name} ${command.usage}`.trimEnd(),
    "",
    wrap(command.summary, 0),
    ...(options.length > 0 ? ["", "Options:", ...options] : []),
    "",
    "Settings (environment variables):",
    ...settings,
    ...(command.notes ? ["", wrap(command.notes, 0)] : []),
  ].join("\n");
}

const COLUMN = 24;

function row(name: string, meaning: string): string {
  const head = `${INDENT}${name}`;
  const text = wrap(meaning, COLUMN).trimStart();
  return head.length < COLUMN ? `${head.padEnd(COLUMN)}${text}` : `${head}\n${" ".repeat(COLUMN)}${text}`;
}

/** Words wrapped at 90 columns, every line indented by `indent`. */
function wrap(text: string, indent: number, width = 90): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => " ".repeat(indent) + l).join("\n");
}
