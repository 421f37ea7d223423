import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/bin/commands.js";
import { dotEnvReaders } from "../../src/bin/help-text.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}/${path}`, "utf8");

/** The settings src/config.ts's schemas read (their UPPER_CASE keys) and the app secrets it names. */
function settingNames(): string[] {
  const source = ts.createSourceFile("config.ts", read("src/config.ts"), ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && /^[A-Z][A-Z0-9_]+$/.test(node.name.text)) names.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const name of /APP_SECRET_NAMES = \[([^\]]*)\]/.exec(read("src/config.ts"))![1]!.match(/[A-Z_]+/g)!) names.add(name);
  return [...names];
}

describe(".env.example", () => {
  const example = read(".env.example");

  it("names every setting chorebot reads", () => {
    const names = settingNames();
    expect(names).toEqual(expect.arrayContaining(["APP_ID", "SCRIPT_TIMEOUT", "PRIVATE_KEY_PATH", "CHOREBOT_URL"]));
    for (const name of names) expect(example, name).toMatch(new RegExp(`^# ${name}=`, "m"));
  });

  it("sets nothing: every line is a comment, so copying it changes no default and holds no secret", () => {
    expect(parseEnv(example)).toEqual({});
    for (const line of example.split("\n")) expect(line === "" || line.startsWith("#"), line).toBe(true);
  });

  it("names the commands that read .env, as the command table says", () => {
    const header = example.slice(0, example.indexOf("\n\n"));
    const named = [...header.matchAll(/`(?:chorebot )?([a-z]+)`/g)].map((match) => match[1]);
    expect(named).toEqual(dotEnvReaders(COMMANDS));
    expect(named).toEqual(expect.arrayContaining(["start", "freeze", "unfreeze"]));
  });

  it("npm pack's tarball is ignored by git", () => {
    const ignored = execFileSync("git", ["check-ignore", "--no-index", "chorebot-0.1.0.tgz"], { cwd: ROOT, encoding: "utf8" });
    expect(ignored.trim()).toBe("chorebot-0.1.0.tgz");
  });

  it(".env itself is ignored by git", () => {
    expect(read(".gitignore").split("\n")).toContain(".env");
  });
});
