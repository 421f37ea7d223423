import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename } from "node:path";
import { pino } from "pino";
import type { CatalogReader, RepoCatalog } from "../catalog-types.js";
import { CHORES_PATH, LOGOUT_PATH } from "../chores/chores-paths.js";
import type { ChoresUser } from "../chores/chores-pages-deps.js";
import { createChoresHandler } from "../chores/create-chores-handler.js";
import { MessagePage } from "../chores/message-page.js";
import { PAGE_HEADERS, seeOther, sendPage } from "../chores/send-page.js";
import type { RunnerConfig } from "../config.js";
import { choreFormLimit } from "../http/body-limits.js";
import { startHttpServer } from "../http/start-http-server.js";
import { readLocalCatalog } from "./local-catalog.js";
import { LocalRuns, type ExecuteLocally } from "./local-runs.js";
import { localSignIn } from "./local-sign-in.js";
import { isOwnHost } from "./loopback-host.js";

/** Where a run's local log is served. */
const LOGS_PATH = "/preview/logs/";
/** The largest upload a file input takes (CHORE_FILE_LIMIT's default). */
const FILE_LIMIT = 10 * 1024 * 1024;

export interface PreviewOptions {
  /** The working tree (the repository root). */
  root: string;
  /** A loopback address (see loopbackAddress). */
  address: string;
  /** 0 picks a free one. */
  port: number;
  config: RunnerConfig;
  user: ChoresUser;
  /** Runs a chore as `chorebot run` does. */
  execute: ExecuteLocally;
  /** Told about what went wrong answering a page. */
  error(message: string): void;
}

export interface Preview {
  /** The catalog's address, e.g. `http://127.0.0.1:3000/chores`. */
  url: string;
  /** Cancels the runs under way, waits for their logs, and stops listening. */
  stop(): Promise<void>;
}

/**
 * `chorebot preview`: the chores pages of production (createChoresHandler, unchanged) over
 * the working tree, for its author, on a loopback address only. The catalog is read from the
 * files at every request, so an edit shows at the next reload; the local user is always
 * signed in with every permission; a run starts at once in this process as `chorebot run`
 * runs a script, is kept in memory and writes its log under `.chorebot/runs/`, served from
 * its run's page. Nothing here speaks to GitHub or Redis. A request naming another host (a
 * site an attacker pointed at 127.0.0.1) is refused.
 */
export async function startPreview(o: PreviewOptions): Promise<Preview> {
  const owner = "local";
  const repo = repositoryName(o.root);
  let origin = "";
  const runs = new LocalRuns({ execute: o.execute, root: o.root, logUrl: (runId) => `${origin}${LOGS_PATH}${encodeURIComponent(runId)}` });
  const signIn = localSignIn(o.user);
  const pages = createChoresHandler({
    catalog: localCatalogReader({ root: o.root, owner, repo, limits: { minApprovals: 0, maxTimeoutMs: o.config.timeoutMs, minChorePermission: "read" } }),
    signIn,
    permission: async () => "admin",
    requiredPermission: (catalog) => catalog.config.chores.permission,
    startRun: async (request) => runs.start(request),
    run: async (runId) => runs.run(runId),
    history: async (owner, repo, name, limit) => runs.history(owner, repo, name, limit),
    cancel: async (runId, by) => runs.cancel(runId, by),
    fileLimit: FILE_LIMIT,
    log: { error: ({ err }, message) => o.error(`${message}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`) },
  });

  let port = o.port;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean | void> => {
    if (!isOwnHost(req.headers.host, o.address, port)) {
      sendText(req, res, 421, `This preview answers only at ${origin}: a request naming another host is refused.\n`);
      return true;
    }
    const path = (req.url ?? "/").split(/[?#]/)[0]!;
    if (path === "/") {
      seeOther(res, CHORES_PATH);
      return true;
    }
    if (path === LOGOUT_PATH) {
      sendPage(
        req,
        res,
        200,
        <MessagePage title="No sign-in here" user={o.user} csrf={signIn.csrfToken(req)}>
          <p>The preview has no sign-in: it serves this working tree to this machine only. Stop it with Ctrl-C where it runs.</p>
        </MessagePage>,
      );
      return true;
    }
    if (path.startsWith(LOGS_PATH)) {
      await sendLog(req, res, runs.logPath(decodeURIComponentOr(path.slice(LOGS_PATH.length))));
      return true;
    }
    return pages(req, res);
  };

  const server = await startHttpServer({
    port: o.port,
    host: o.address,
    // Only what went wrong, on stderr: stdout is the preview's own lines.
    log: pino({ name: "chorebot", level: "warn" }, pino.destination({ fd: 2, sync: true })),
    handle,
    // Everyone here is the signed-in user.
    choreForm: { limit: choreFormLimit(FILE_LIMIT), admits: () => true },
  });
  port = server.port;
  origin = `http://${o.address.includes(":") ? `[${o.address}]` : o.address}:${port}`;
  return {
    url: `${origin}${CHORES_PATH}`,
    async stop() {
      await runs.stop(o.user.login);
      await server.stop();
    },
  };
}

/** The working tree as a repository of the pages' URLs: its folder's name, reduced to GitHub's characters. */
export function repositoryName(root: string): string {
  const name = basename(root)
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 100);
  return name === "" || name === "." || name === ".." ? "repository" : name;
}

/** The catalog of the working tree, read afresh each time; reads asked for while one is under way share it. */
function localCatalogReader(source: Parameters<typeof readLocalCatalog>[0]): CatalogReader {
  let reading: Promise<RepoCatalog> | null = null;
  const read = () => (reading ??= readLocalCatalog(source).finally(() => (reading = null)));
  return {
    repositories: async () => [{ owner: source.owner, repo: source.repo }],
    read: async (owner, repo) => (owner === source.owner && repo === source.repo ? read() : null),
    // Only the worker's `process` step reads bundles; the preview runs chores from the files.
    bundle: async () => null,
  };
}

/** A run's log as plain text (404 until it is written). */
async function sendLog(req: IncomingMessage, res: ServerResponse, path: string | null): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD" }).end();
    return;
  }
  const text = path === null ? null : await readFile(path, "utf8").catch(() => null);
  if (text === null) return sendText(req, res, 404, "No log for this run (yet).\n");
  sendText(req, res, 200, text);
}

function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(req.method === "HEAD" ? undefined : text);
}

function decodeURIComponentOr(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return "";
  }
}
