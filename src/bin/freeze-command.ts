import { CLIENT_SETTINGS, expectArguments, UsageError, type Command } from "./command.js";
import type { RunsApiAnswer } from "./runs-api-client.js";
import { withRunsApi } from "./with-runs-api.js";

const BY_HELP = "who acts, recorded with the freeze and logged (default: DASHBOARD_USER)";

/** `chorebot freeze --reason <why> [--repo owner/name] [--by <name>]`, or `--list`. */
export const freezeCommand: Command = {
  usage: '--reason "<why>" [--repo <owner/name>] [--by <name>] | --list',
  summary:
    "During an incident: no new run starts, in every repository or in one, until `chorebot unfreeze`; runs wait, saying who froze them and why, then start in the order they were queued. Running scripts go on. Through the server's /api (the dashboard's login).",
  options: { reason: { type: "string" }, repo: { type: "string" }, by: { type: "string" }, list: { type: "boolean", default: false } },
  optionHelp: {
    '--reason "<why>"': "why (required, at most 500 characters); shown as each waiting run's reason",
    "--repo <owner/name>": "freeze only this repository (default: every repository)",
    "--by <name>": BY_HELP,
    "--list": "print the freezes in force and the last ones set and lifted, as JSON",
  },
  readsDotEnv: true,
  settings: CLIENT_SETTINGS,
  run(positionals, values) {
    expectArguments(positionals, 0);
    const { reason, repo, by } = values as { reason?: string; repo?: string; by?: string };
    if (values.list) {
      if (reason !== undefined || repo !== undefined || by !== undefined) throw new UsageError("--list takes no other option");
      return withRunsApi("freeze", async (api) => printed(await api.freezes(), [200], true));
    }
    if (reason === undefined) throw new UsageError('why? (--reason "…", shown on every run it holds)');
    return withRunsApi("freeze", async (api) => printed(await api.freeze({ reason, repo, by }), [200, 201]));
  },
};

/** `chorebot unfreeze [--repo owner/name] [--reason <why>] [--by <name>]`. */
export const unfreezeCommand: Command = {
  usage: '[--repo <owner/name>] [--reason "<why>"] [--by <name>]',
  summary:
    "Lift a freeze: of every repository, or with --repo of that one (each freeze is lifted on its own). The runs it held start in the order they were queued.",
  options: { reason: { type: "string" }, repo: { type: "string" }, by: { type: "string" } },
  optionHelp: {
    "--repo <owner/name>": "lift that repository's freeze (default: the freeze of every repository)",
    '--reason "<why>"': "why, logged with the unfreeze",
    "--by <name>": BY_HELP,
  },
  readsDotEnv: true,
  settings: CLIENT_SETTINGS,
  run(positionals, values) {
    expectArguments(positionals, 0);
    const { reason, repo, by } = values as { reason?: string; repo?: string; by?: string };
    return withRunsApi("unfreeze", async (api) => printed(await api.unfreeze({ reason, repo, by }), [200]));
  },
};

/** The answer on one line (indented JSON for a listing): 0 when its status is one of `ok`, else 1 on stderr. */
function printed(answer: RunsApiAnswer, ok: number[], indented = false): number {
  if (ok.includes(answer.status)) {
    console.log(indented && answer.json !== undefined ? JSON.stringify(answer.json, null, 2) : answer.line);
    return 0;
  }
  console.error(answer.line);
  return 1;
}
