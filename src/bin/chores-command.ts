import { randomUUID } from "node:crypto";
import type { ChoreListing } from "../api/chore-listing.js";
import { expectArguments, UsageError, type Command, type OptionValues } from "./command.js";
import { followRun } from "./follow-run.js";
import { formatChoreList } from "./format-chore-list.js";
import { parseInputFlags } from "./parse-input-flags.js";
import type { RunsApiClient } from "./runs-api-client.js";
import { withRunsApi } from "./with-runs-api.js";

const REPOSITORY = /^[A-Za-z0-9._-]{1,100}\/[A-Za-z0-9._-]{1,100}$/;

/**
 * `chorebot chores list <owner/repo>` and `chorebot chores run <owner/repo> <chore> …`: the
 * API for automation, as the user of the GitHub token in GH_TOKEN (or GITHUB_TOKEN).
 */
export const choresCommand: Command = {
  usage: "list <owner/repo> | run <owner/repo> <chore> [--input name=value …] [--name <name>] [--key <key>] [--follow]",
  summary:
    "List a repository's chores and their inputs, or run one through the server's /api as the user of your GitHub token (your permission on the repository is checked); --follow prints its progress and exits 0 only when it succeeded.",
  options: {
    input: { type: "string", multiple: true },
    name: { type: "string" },
    key: { type: "string" },
    follow: { type: "boolean", default: false },
  },
  optionHelp: {
    "--input name=value": "an input of the chore (repeat for each)",
    "--name <name>": "the run's unique name in the repository: refused while another run has it",
    "--key <key>": "names the request: running again with the same key starts no second run (safe retries)",
    "--follow": "print the run's progress and output until it ends; exit 0 only if it succeeded",
  },
  // The token is the user's own, from their environment as for gh; not from a server's .env.
  settings: [
    ["CHOREBOT_URL", "the server (default http://127.0.0.1:3000)"],
    [
      "GH_TOKEN, GITHUB_TOKEN",
      "your GitHub user token (GH_TOKEN first, as the gh CLI): a personal access token or GitHub App user token, not an installation token",
    ],
  ],
  notes:
    "In GitHub Actions, the workflow's own GITHUB_TOKEN is an installation token: it names no user and is refused. Store a personal access token of someone with the chore's permission as a repository secret and pass it as GH_TOKEN.",
  run(positionals, values) {
    const [action, ...rest] = positionals;
    if (action === "list") {
      const repo = checkRepo(expectArguments(rest, 1, "which repository? (owner/repo)")[0]!);
      return withRunsApi("chores", (api) => list(api, repo), "token");
    }
    if (action === "run") {
      const [repo, chore] = expectArguments(rest, 2, "which repository and chore? (owner/repo chore)");
      checkRepo(repo!);
      const inputs = inputFlags(values);
      return withRunsApi("chores", (api) => run(api, repo!, chore!, inputs, values), "token");
    }
    throw new UsageError(action === undefined ? "list or run?" : `unknown action "${action}": list or run`);
  },
};

function checkRepo(repo: string): string {
  if (!REPOSITORY.test(repo)) throw new UsageError(`"${repo}" is not a repository: owner/repo`);
  return repo;
}

function inputFlags(values: OptionValues): Record<string, string> {
  try {
    return parseInputFlags((values.input as string[] | undefined) ?? []);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function list(api: RunsApiClient, repo: string): Promise<number> {
  const answer = await api.chores(repo);
  if (answer.status !== 200 || answer.json === undefined) {
    console.error(`chorebot chores: ${answer.line}`);
    return 1;
  }
  console.log(formatChoreList(answer.json as ChoreListing));
  return 0;
}

async function run(api: RunsApiClient, repo: string, chore: string, inputs: Record<string, string>, values: OptionValues): Promise<number> {
  const name = values.name as string | undefined;
  const key = (values.key as string | undefined) ?? randomUUID();
  const answer = await api.startChore(repo, chore, { inputs, ...(name === undefined ? {} : { name }) }, key);
  const body = (answer.json ?? {}) as { run?: string; status?: string; errors?: Record<string, string>; urls?: Record<string, string> };
  if (answer.status !== 202 || typeof body.run !== "string") {
    console.error(`chorebot chores: ${answer.line}`);
    for (const [input, message] of Object.entries(body.errors ?? {})) console.error(`  --input ${input}: ${message}`);
    if (answer.status === 409 && typeof body.run === "string")
      console.error(`  held by run ${body.run} (${body.status ?? "status unknown"}): chorebot status ${body.run}`);
    return 1;
  }
  console.log(`run ${body.run} ${body.status ?? "queued"}${body.urls?.page ? `: ${body.urls.page}` : ""}`);
  if (values.follow !== true) return 0;
  try {
    await followRun(api, body.run, (line) => console.log(line));
  } catch (error) {
    console.error(`chorebot chores: could not follow run ${body.run}: ${(error as Error).message}`);
    return 1;
  }
  const final = await api.status(body.run);
  const view = (final.json ?? {}) as {
    status?: string;
    duration_ms?: number | null;
    message?: string | null;
    log?: { path: string; url: string | null } | null;
  };
  if (final.status !== 200 || typeof view.status !== "string") {
    console.error(`chorebot chores: ${final.line}`);
    return 1;
  }
  const took = typeof view.duration_ms === "number" ? ` in ${(view.duration_ms / 1000).toFixed(1)} s` : "";
  console.log(`run ${body.run} ${view.status}${took}${view.message ? `: ${view.message}` : ""}`);
  if (view.log) console.log(`log: ${view.log.url ?? view.log.path}`);
  return view.status === "succeeded" ? 0 : 1;
}
