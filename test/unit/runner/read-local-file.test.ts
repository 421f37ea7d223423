import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readLocalFile } from "../../../src/runner/read-local-file.js";

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "chorebot-read-local-"));
  root = join(base, "repo");
  await mkdir(join(root, "scripts", "_helpers"), { recursive: true });
  await writeFile(join(root, "scripts", "_helpers", "x.ts"), "export const x = 1;\n");
  await writeFile(join(base, "outside.ts"), "secret\n");
  await symlink(join(base, "outside.ts"), join(root, "scripts", "escape.ts"));
  await symlink(join(root, "scripts", "_helpers", "x.ts"), join(root, "scripts", "alias.ts"));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

test("reads repository files by repo-relative posix path", async () => {
  const read = readLocalFile(root);
  expect(await read("scripts/_helpers/x.ts")).toBe("export const x = 1;\n");
  expect(await read("scripts/alias.ts")).toBe("export const x = 1;\n");
});

test("returns null for missing files and directories", async () => {
  const read = readLocalFile(root);
  expect(await read("scripts/missing.ts")).toBeNull();
  expect(await read("scripts/_helpers")).toBeNull();
});

test("returns null for anything that escapes the root, symlinks included", async () => {
  const read = readLocalFile(root);
  expect(await read("../outside.ts")).toBeNull();
  expect(await read("scripts/../../outside.ts")).toBeNull();
  expect(await read(join(base, "outside.ts"))).toBeNull();
  expect(await read("scripts/escape.ts")).toBeNull();
});
