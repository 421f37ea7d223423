import { execFile } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, readlink, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunLog } from "../../src/runlog/parse-run-log.js";

// README "Installing into your application": chorebot is not on a registry, so a person packs
// it and installs the tarball into their app as a dev dependency. This does exactly that.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
const VERSION = (JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

let dir: string;
let app: string;
const timings: Record<string, number> = {};

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[name] = Math.round(performance.now() - start);
  }
}

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "chorebot-install-")));
  app = join(dir, "app");
  await mkdir(join(app, "scripts"), { recursive: true });
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "acme-app", version: "1.0.0", private: true }));
  // What `npm pack` puts in the tarball is package.json's "files"; dist/ is built by the e2e
  // global setup (`prepare` would build it again, which a person's `npm pack` does).
  const { stdout } = await timed("pack", () => run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT }));
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  expect(packed.filename).toBe(`chorebot-${VERSION}.tgz`);
  const paths = packed.files.map((f) => f.path);
  expect(paths).toContain("dist/bin/cli.js");
  expect(paths).toContain("dist/sdk/index.js");
  expect(paths.filter((p) => !p.startsWith("dist/")).sort()).toEqual(["README.md", "app.yml", "package.json"]);
  await timed("install", () =>
    run("npm", ["install", "--save-dev", "--prefer-offline", "--no-audit", "--no-fund", join(dir, packed.filename)], {
      cwd: app,
      env: { ...process.env, npm_config_loglevel: "error" },
    }),
  );
}, 240_000);

afterAll(async () => {
  console.log(`install.test.ts timings (ms): ${JSON.stringify(timings)}`);
  await rm(dir, { recursive: true, force: true });
});

describe("chorebot installed into an application from `npm pack`", () => {
  it("the bin is linked in node_modules/.bin, so npx runs it without fetching anything", async () => {
    const bin = join(app, "node_modules", ".bin", "chorebot");
    expect((await lstat(bin)).isSymbolicLink()).toBe(true);
    expect(await readlink(bin)).toBe("../chorebot/dist/bin/cli.js");
    // --no: npx must not install; it fails unless the local bin is there.
    const { stdout } = await timed("npx --version", () => run("npx", ["--no", "--", "chorebot", "--version"], { cwd: app }));
    expect(stdout.trim()).toBe(VERSION);
    expect(JSON.parse(await readFile(join(app, "package.json"), "utf8"))).toMatchObject({
      devDependencies: { chorebot: expect.stringMatching(/chorebot-.*\.tgz$/) },
    });
  });

  it("chorebot run runs an SDK script from the app's folder, its packages resolving there", async () => {
    await mkdir(join(app, "node_modules", "greeting"), { recursive: true });
    await writeFile(join(app, "node_modules", "greeting", "package.json"), JSON.stringify({ name: "greeting", type: "module", exports: "./index.js" }));
    await writeFile(join(app, "node_modules", "greeting", "index.js"), "export const greet = (name) => `hello ${name}`;\n");
    await writeFile(
      join(app, "scripts", "hello.ts"),
      [
        'import { defineScript, string } from "chorebot";',
        'import { greet } from "greeting";',
        "",
        "export default defineScript({",
        '  inputs: { name: string({ default: "world" }) },',
        "  async run({ inputs, progress }) {",
        "    console.log(greet(inputs.name));",
        "    progress({ done: 1, total: 1 });",
        "    return { greeted: inputs.name };",
        "  },",
        "});",
        "",
      ].join("\n"),
    );
    const { stdout, stderr } = await timed("npx run", () =>
      run("npx", ["--no", "--", "chorebot", "run", "scripts/hello.ts", "--input", "name=acme"], {
        cwd: app,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
      }),
    );
    expect(stdout).toBe("hello acme\n");
    expect(stderr).toContain('[result] {"greeted":"acme"}');
    const logPath = /log written to (.+\.md)\n$/.exec(stderr)?.[1];
    expect(logPath?.startsWith(join(app, ".chorebot", "runs", "hello.ts-"))).toBe(true);
    expect(parseRunLog(await readFile(logPath!, "utf8")).frontMatter).toMatchObject({ script: "scripts/hello.ts", status: "succeeded" });
  });

  it("an editor and tsc see the SDK's types when a script imports chorebot", async () => {
    await writeFile(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2023", strict: true, noEmit: true, types: [] },
        files: ["scripts/typed.ts"],
      }),
    );
    const typed = ['import { defineScript, int } from "chorebot";', "", "export default defineScript({", "  inputs: { limit: int({ default: 10 }) },"];
    await writeFile(
      join(app, "scripts", "typed.ts"),
      [...typed, "  run({ inputs }) {", "    const limit: number = inputs.limit;", "    return { limit };", "  },", "});", ""].join("\n"),
    );
    const tsc = join(app, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", "."], { cwd: app });
    // A wrong type is an error: the SDK's types are really read, not taken as any.
    await writeFile(
      join(app, "scripts", "typed.ts"),
      [...typed, "  run({ inputs }) {", "    const limit: string = inputs.limit;", "    return { limit };", "  },", "});", ""].join("\n"),
    );
    const refused = await run(process.execPath, [tsc, "-p", "."], { cwd: app }).then(
      () => null,
      (error: { stdout: string }) => error.stdout,
    );
    expect(refused).toMatch(/scripts\/typed\.ts\(6,11\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });
});
