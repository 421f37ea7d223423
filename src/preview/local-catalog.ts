import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import type { CatalogEntry, IndexedChore, RepoCatalog } from "../catalog-types.js";
import { formatDefinitionProblems } from "../definitions/format-problems.js";
import { readScriptDefinition } from "../definitions/read-definition.js";
import { isEntryScript, scriptsFolderPrefix } from "../github/entry-script.js";
import { defaultRepoConfig, parseRepoConfig, REPO_CONFIG_PATH, type RepoConfig, type ServerLimits } from "../github/repo-config.js";
import { bundleScript } from "../runner/bundle-script.js";
import { readLocalFile } from "../runner/read-local-file.js";

/** Where the preview reads chores from: the working tree at `root`, shown as the repository `owner/repo`. */
export interface LocalCatalogSource {
  root: string;
  owner: string;
  repo: string;
  /** The bounds the settings are checked against (the timeout is SCRIPT_TIMEOUT's). */
  limits: ServerLimits;
}

/** The most entry files the preview reads: past them, a folder is not a chores folder (node_modules…). */
const MAX_CHORES = 500;

/**
 * The working tree's chores as the catalog would list them, read now: the settings from
 * `.github/chorebot.yml` (its `choresDir`, else `chores`), then every entry file there bundled
 * and its definition read statically, as the index job does at a commit. No approvals are
 * asked for: it is the author's own tree. A chore's version is a hash of its bundle, so the
 * form knows when the chore changed since the page was opened. A chore that does not bundle,
 * whose definition cannot be read or whose name another file has, is listed with its problem.
 */
export async function readLocalCatalog(source: LocalCatalogSource): Promise<RepoCatalog> {
  const readFile = readLocalFile(source.root);
  const { config, problem: settingsProblem } = await readSettings(readFile, source.limits);
  const paths = await entryPaths(source.root, config.choresDir);
  const byName = new Map<string, string[]>();
  for (const path of paths) {
    const name = choreName(path, config.choresDir);
    byName.set(name, [...(byName.get(name) ?? []), path]);
  }
  const chores = await Promise.all(
    [...byName].map(([name, [path, ...others]]): Promise<CatalogEntry> => {
      const clash = others.length > 0 ? `${others.length + 1} chores are named ${name}: ${[path, ...others].join(", ")}; rename all but one` : null;
      return readChore(readFile, source.root, name, path!, settingsProblem ?? clash);
    }),
  );
  return {
    owner: source.owner,
    repo: source.repo,
    installationId: 0,
    defaultBranch: "working tree",
    head: "working tree",
    indexedAt: new Date().toISOString(),
    config,
    chores: chores.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** The repository's settings, or the defaults and why its file was not taken. */
async function readSettings(readFile: (path: string) => Promise<string | null>, limits: ServerLimits): Promise<{ config: RepoConfig; problem: string | null }> {
  const text = await readFile(REPO_CONFIG_PATH);
  if (text === null) return { config: defaultRepoConfig(limits), problem: null };
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    return { config: defaultRepoConfig(limits), problem: `${REPO_CONFIG_PATH} is not valid YAML: ${(error as Error).message}` };
  }
  const config = parseRepoConfig(raw, limits);
  return typeof config === "string" ? { config: defaultRepoConfig(limits), problem: `the settings are invalid: ${config}` } : { config, problem: null };
}

/** The entry files under the chores folder (none when there is no such folder), repository paths with `/`. */
async function entryPaths(root: string, choresDir: string): Promise<string[]> {
  let found: string[];
  try {
    found = await readdir(join(root, choresDir), { recursive: true });
  } catch {
    return [];
  }
  const prefix = scriptsFolderPrefix(choresDir);
  return found
    .map((path) => `${prefix}${path.split("\\").join("/")}`)
    .filter((path) => isEntryScript(path, choresDir) && !path.split("/").includes("node_modules"))
    .sort()
    .slice(0, MAX_CHORES);
}

async function readChore(
  readFile: (path: string) => Promise<string | null>,
  root: string,
  name: string,
  path: string,
  blocked: string | null,
): Promise<CatalogEntry> {
  const notRunnable = (version: string, message: string): CatalogEntry => ({ name, path, runnable: null, problem: { commit: version, message }, seen: null });
  const source = await readFile(path);
  if (source === null) return notRunnable(versionOf(""), `${path} cannot be read (a symbolic link out of the repository?)`);
  if (blocked !== null) return notRunnable(versionOf(source), blocked);
  const bundle = await bundleScript({ entry: path, readFile });
  if (!bundle.ok) return notRunnable(versionOf(source), `it does not bundle: ${bundle.message}`);
  const reading = readScriptDefinition(source, path);
  if (reading.problems.length > 0) {
    return notRunnable(versionOf(bundle.code), `its definition cannot be read: ${formatDefinitionProblems(path, reading.problems)}`);
  }
  const runnable: IndexedChore = {
    name,
    path,
    commit: versionOf(bundle.code),
    committedAt: await lastChanged(root, bundle.files),
    blob: versionOf(source),
    description: reading.definition,
    provenance: { pullRequest: null, approvedBy: [], refusal: null },
    files: bundle.files,
    minApprovals: 0,
  };
  return { name, path, runnable, problem: null, seen: null };
}

/** The entry path under the chores folder without its extension: `chores/billing/unlock.ts` → `billing/unlock`. */
function choreName(path: string, choresDir: string): string {
  return path.slice(scriptsFolderPrefix(choresDir).length).replace(/\.[^./]+$/, "");
}

/** A version of local text, shaped like a commit id (40 hex digits) since the pages show it as one. */
function versionOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 40);
}

/** When the newest of the files last changed (ISO 8601). */
async function lastChanged(root: string, files: string[]): Promise<string> {
  const times = await Promise.all(
    files.map((file) =>
      stat(join(root, file)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  return new Date(Math.max(0, ...times)).toISOString();
}
