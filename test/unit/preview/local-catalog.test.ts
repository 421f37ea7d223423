import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLocalCatalog } from "../../../src/preview/local-catalog.js";

let root: string;
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "chorebot-preview-catalog-")));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const write = async (path: string, text: string) => {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), text);
};
const read = () => readLocalCatalog({ root, owner: "local", repo: "app", limits: { minApprovals: 0, maxTimeoutMs: 900_000, minChorePermission: "read" } });
const entry = async (name: string) => (await read()).chores.find((chore) => chore.name === name);

const SDK_CHORE = [
  'import { defineScript, string } from "chorebot";',
  'import { greet } from "./_lib/greet.js";',
  "export default defineScript({",
  '  description: "Greet someone",',
  "  inputs: { who: string() },",
  "  async run({ inputs }) { console.log(greet(inputs.who)); },",
  "});",
  "",
].join("\n");

describe("readLocalCatalog", () => {
  it("lists every entry chore under chores/ by name, bundled and described, helpers and tests left out", async () => {
    await write("chores/billing/greet.ts", SDK_CHORE);
    await write("chores/billing/_lib/greet.ts", "export const greet = (who: string) => `hello ${who}`;\n");
    await write("chores/plain.mjs", 'console.log("plain");\n');
    await write("chores/plain.test.ts", "");
    await write("chores/types.d.ts", "");
    await write("scripts/once.ts", 'console.log("once");\n');
    const catalog = await read();
    expect(catalog).toMatchObject({ owner: "local", repo: "app", config: { choresDir: "chores" } });
    expect(catalog.chores.map((chore) => chore.name)).toEqual(["billing/greet", "plain"]);
    const greet = catalog.chores[0]!;
    expect(greet.problem).toBeNull();
    expect(greet.runnable).toMatchObject({
      name: "billing/greet",
      path: "chores/billing/greet.ts",
      files: ["chores/billing/_lib/greet.ts", "chores/billing/greet.ts"],
      description: { description: "Greet someone", inputs: { who: { type: "string", required: true } } },
    });
    expect(greet.runnable!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(catalog.chores[1]!.runnable!.description).toBeNull();
  });

  it("gives a chore a new version when a file it imports changes, and the same one while none does", async () => {
    await write("chores/greet.ts", SDK_CHORE);
    await write("chores/_lib/greet.ts", "export const greet = (who: string) => `hello ${who}`;\n");
    const first = (await entry("greet"))!.runnable!.commit;
    expect((await entry("greet"))!.runnable!.commit).toBe(first);
    await write("chores/_lib/greet.ts", "export const greet = (who: string) => `hi ${who}`;\n");
    expect((await entry("greet"))!.runnable!.commit).not.toBe(first);
  });

  it("lists a chore that does not bundle, or whose definition cannot be read, with its problem", async () => {
    await write("chores/broken.ts", "export default 1 +\n");
    await write(
      "chores/dynamic.ts",
      'import { defineScript } from "chorebot";\nconst d = "x";\nexport default defineScript({ description: d, async run() {} });\n',
    );
    const broken = await entry("broken");
    expect(broken).toMatchObject({ runnable: null, problem: { message: expect.stringMatching(/^it does not bundle: chores\/broken\.ts:2:1: /) } });
    const dynamic = await entry("dynamic");
    expect(dynamic).toMatchObject({ runnable: null, problem: { message: expect.stringMatching(/^its definition cannot be read: chores\/dynamic\.ts:3:/) } });
  });

  it("lists two files of one name with the clash, neither runnable", async () => {
    await write("chores/tidy.ts", 'console.log("ts");\n');
    await write("chores/tidy.mjs", 'console.log("mjs");\n');
    expect(await entry("tidy")).toMatchObject({
      runnable: null,
      problem: { message: "2 chores are named tidy: chores/tidy.mjs, chores/tidy.ts; rename all but one" },
    });
  });

  it("reads the chores folder from .github/chorebot.yml", async () => {
    await write(".github/chorebot.yml", "choresDir: ops/tasks\n");
    await write("ops/tasks/rotate.ts", 'console.log("rotate");\n');
    await write("chores/ignored.ts", 'console.log("not a chore here");\n');
    const catalog = await read();
    expect(catalog.config.choresDir).toBe("ops/tasks");
    expect(catalog.chores.map((chore) => [chore.name, chore.path])).toEqual([["rotate", "ops/tasks/rotate.ts"]]);
  });

  it("says so on every chore when the settings are invalid", async () => {
    await write(".github/chorebot.yml", "timeout: [nope\n");
    await write("chores/tidy.ts", 'console.log("tidy");\n');
    expect(await entry("tidy")).toMatchObject({ runnable: null, problem: { message: expect.stringMatching(/^\.github\/chorebot\.yml is not valid YAML: /) } });
    await write(".github/chorebot.yml", "timeout: 5000\n");
    expect(await entry("tidy")).toMatchObject({ runnable: null, problem: { message: expect.stringMatching(/^the settings are invalid: .*timeout/) } });
  });

  it("reads nothing through a symbolic link out of the working tree", async () => {
    const outside = await realpath(await mkdtemp(join(tmpdir(), "chorebot-preview-outside-")));
    try {
      await writeFile(join(outside, "secret.ts"), 'console.log("outside");\n');
      await mkdir(join(root, "chores"));
      await symlink(join(outside, "secret.ts"), join(root, "chores", "linked.ts"));
      expect(await entry("linked")).toMatchObject({ runnable: null, problem: { message: expect.stringMatching(/cannot be read/) } });
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("is empty without a chores folder", async () => {
    expect((await read()).chores).toEqual([]);
  });
});
