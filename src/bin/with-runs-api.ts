import { loadClientConfig } from "../config.js";
import { runsApiClient, ServerUnreachable, type ApiCredentials, type RunsApiClient } from "./runs-api-client.js";
import { userTokenFromEnv } from "./user-token-env.js";

/**
 * Which credentials a command sends: the dashboard's login (`login`, the default), a GitHub
 * user token (`token`: the chores API takes nothing else), the login when it is set and
 * else a token (`either`), or a token when it is set (it names the person) and else the login (`person`).
 */
export type CredentialKind = "login" | "token" | "either" | "person";

const NEED_LOGIN = "set DASHBOARD_USER and DASHBOARD_PASSWORD (the dashboard's login)";
const NEED_TOKEN = "set GH_TOKEN (or GITHUB_TOKEN) to a GitHub user token: a personal access token or a GitHub App user token (`gh auth token` prints yours)";

/**
 * Runs `command` (`status`, `cancel`, `chores`) against the server's /api: a usage error (2)
 * without the credentials it needs, one line and 1 when the server cannot be reached.
 */
export async function withRunsApi(command: string, use: (api: RunsApiClient) => Promise<number>, kind: CredentialKind = "login"): Promise<number> {
  const { serverUrl, login } = loadClientConfig();
  const token = userTokenFromEnv();
  let credentials: ApiCredentials;
  if (kind === "person" && token) credentials = { token };
  else if (kind !== "token" && login) credentials = { login };
  else if (kind !== "login" && token) credentials = { token };
  else {
    const need = kind === "login" ? NEED_LOGIN : kind === "token" ? NEED_TOKEN : `${NEED_LOGIN}, or ${NEED_TOKEN}`;
    console.error(`chorebot ${command}: ${need}`);
    return 2;
  }
  try {
    return await use(runsApiClient({ serverUrl, ...credentials }));
  } catch (error) {
    if (!(error instanceof ServerUnreachable)) throw error;
    console.error(`chorebot ${command}: ${error.message}`);
    return 1;
  }
}
