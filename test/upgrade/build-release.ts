import { execFile } from "node:child_process";
import { access, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Builds release `commit` of this repository in a git worktree under
 * node_modules/.cache/chorebot-upgrade/<commit> (kept, and reused by the next run) and
 * returns the path of its `dist/cli.js`. Its packages are this checkout's, hard-linked, when
 * its package-lock.json is the same; installed by `npm ci` otherwise.
 */
export async function buildRelease(commit: string): Promise<string> {
  const dir = join(REPO, "node_modules", ".cache", "chorebot-upgrade", commit);
  const cli = join(dir, "dist", "cli.js");
  const built = join(dir, ".built");
  if (await exists(built)) return cli;
  try {
    await git("cat-file", "-e", `${commit}^{commit}`);
  } catch {
    throw new Error(
      `the previous release ${commit} is not in this clone (a shallow checkout?): fetch it, e.g. ` +
        "`git fetch --unshallow` or actions/checkout with `fetch-depth: 0`; test/upgrade/previous-release.ts names it",
    );
  }
  // A build that stopped half way: start over.
  await rm(dir, { recursive: true, force: true });
  await git("worktree", "prune");
  await git("worktree", "add", "--detach", "--force", dir, commit);
  const [ours, theirs] = await Promise.all([readFile(join(REPO, "package-lock.json")), readFile(join(dir, "package-lock.json"))]);
  if (ours.equals(theirs)) {
    // Same filesystem, same lock file: hard links, no copy, no network. Not .cache: it holds this worktree.
    await mkdir(join(dir, "node_modules"));
    const entries = (await readdir(join(REPO, "node_modules"))).filter((name) => name !== ".cache");
    await run("cp", ["-al", ...entries.map((name) => join(REPO, "node_modules", name)), join(dir, "node_modules")]);
  } else {
    await run("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir, maxBuffer: 64 << 20 });
  }
  await run(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: dir, maxBuffer: 64 << 20 });
  await writeFile(built, `${new Date().toISOString()}\n`);
  return cli;
}

function git(...args: string[]) {
  return run("git", args, { cwd: REPO });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
