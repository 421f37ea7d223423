import { loadClientConfig } from "../config.js";
import { runsApiClient, ServerUnreachable, type RunsApiClient } from "./runs-api-client.js";

/**
 * Runs `command` (`status`, `cancel`) against the server's /api/runs: a usage error (2)
 * without the dashboard's login, one line and 1 when the server cannot be reached.
 */
export async function withRunsApi(command: string, use: (api: RunsApiClient) => Promise<number>): Promise<number> {
  const { serverUrl, login } = loadClientConfig();
  if (!login) {
    console.error(`chorebot ${command}: set DASHBOARD_USER and DASHBOARD_PASSWORD (the dashboard's login)`);
    return 2;
  }
  try {
    return await use(runsApiClient({ serverUrl, login }));
  } catch (error) {
    if (!(error instanceof ServerUnreachable)) throw error;
    console.error(`chorebot ${command}: ${error.message}`);
    return 1;
  }
}
