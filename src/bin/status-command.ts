import { CLIENT_SETTINGS, UsageError, expectArguments, type Command } from "./command.js";
import { withRunsApi } from "./with-runs-api.js";

/**
 * `chorebot status <run>` or `chorebot status --name <name> [--repo <owner/repo>]`: the run's
 * status as indented JSON; 1, with the answer on one line, when there is none.
 */
export const statusCommand: Command = {
  usage: "<run> | --name <name> [--repo <owner/repo>]",
  summary:
    "Print a run's status as JSON (final, or queued, waiting, running, recording) through the server's /api, by its id or its unique name; exit 1 when there is no such run.",
  options: { name: { type: "string" }, repo: { type: "string" } },
  optionHelp: {
    "--name <name>": "the run with this name (given with --name when it was started), in any repository",
    "--repo <owner/repo>": "only the run of that name in this repository",
  },
  readsDotEnv: true,
  settings: [
    ...CLIENT_SETTINGS,
    ["GH_TOKEN, GITHUB_TOKEN", "without the dashboard's login: a GitHub user token, which sees the chore runs of repositories its user can read"],
  ],
  run(positionals, values) {
    const name = values.name as string | undefined;
    const repo = values.repo as string | undefined;
    if (name === undefined) {
      if (repo !== undefined) throw new UsageError("--repo goes with --name");
      const [run] = expectArguments(positionals, 1, "which run? (one run id, or --name <name>)");
      return withRunsApi("status", async (api) => printed(await api.status(run!)), "either");
    }
    expectArguments(positionals, 0);
    return withRunsApi(
      "status",
      async (api) => {
        const answer = await api.byName(name, repo);
        const runs = (answer.json as { runs?: unknown[] } | undefined)?.runs;
        if (answer.status !== 200 || !Array.isArray(runs)) return printed(answer);
        if (runs.length === 0) {
          console.error(`no run named ${name}${repo === undefined ? "" : ` in ${repo}`} (names are kept RUN_NAME_TTL after their run ends)`);
          return 1;
        }
        console.log(JSON.stringify(runs.length === 1 ? runs[0] : runs, null, 2));
        return 0;
      },
      "either",
    );
  },
};

function printed(answer: { status: number; json: unknown; line: string }): number {
  if (answer.status === 200 && answer.json !== undefined) {
    console.log(JSON.stringify(answer.json, null, 2));
    return 0;
  }
  console.error(answer.line);
  return 1;
}
