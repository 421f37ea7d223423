import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./redis-server.js";

const run = promisify(execFile);

export interface TestRedisCluster {
  nodes: { host: string; port: number }[];
  /** `REDIS_CLUSTER_NODES` for the app: `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  nodesEnv: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts three throwaway `redis-server`s in cluster mode (free ports, no persistence), makes
 * them a three-master cluster with `redis-cli --cluster create`, and resolves once every node
 * reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), "chorebot-redis-cluster-"));
  const ports: number[] = [];
  // Picked one after another so that no two nodes get the same port.
  while (ports.length < masters) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        await once(child, "exit");
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) children.push(await launch(port, dir));
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"], { timeout: 30_000 });
    for (const port of ports) await waitForClusterOk(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: ports.map((port) => ({ host: "127.0.0.1", port })),
    nodesEnv: ports.map((port) => `127.0.0.1:${port}`).join(","),
    dir,
    stop,
  };
}

async function waitForClusterOk(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let info = "";
  while (Date.now() < deadline) {
    info = (await run("redis-cli", ["-p", String(port), "cluster", "info"])).stdout;
    if (info.includes("cluster_state:ok")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis cluster node ${port} is not ok after ${timeoutMs} ms:\n${info}`);
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    join(dir, `nodes-${port}.conf`),
    "--appendonly",
    "no",
    "--save",
    "",
    "--dir",
    dir,
  ];
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server (cluster node ${port}) exited with ${code}: ${seen}`)));
    child.once("error", reject);
  });
  return child;
}
