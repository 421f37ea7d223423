import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

// compose.yaml is checked without Docker: its shape here, its commands for real in
// test/e2e/dockerfile.test.ts (which starts the web and worker commands from the replayed image).

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}/${path}`, "utf8");

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  env_file?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}
const composeText = read("compose.yaml");
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };

/** Every setting src/config.ts knows: UPPER_CASE keys of its schema objects and the names it lists. */
function configNames(): Set<string> {
  const source = ts.createSourceFile("config.ts", read("src/config.ts"), ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) names.add(node.name.text);
    if (ts.isStringLiteral(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return new Set([...names].filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name)));
}

/** The Dockerfile's final CMD (exec form). */
function imageCmd(): string[] {
  const lines = [...read("Dockerfile").matchAll(/^CMD\s+(\[.*\])\s*$/gm)];
  expect(lines.length, "the Dockerfile has a CMD").toBeGreaterThan(0);
  return JSON.parse(lines.at(-1)![1]!) as string[];
}

describe("compose.yaml", () => {
  it("runs Redis with AOF on a volume and noeviction", () => {
    const redis = compose.services.redis!;
    const args = redis.command!.join(" ");
    expect(args).toMatch(/--appendonly yes\b/);
    expect(args).toMatch(/--maxmemory-policy noeviction\b/);
    const volume = redis.volumes?.find((v) => v.endsWith(":/data"))?.split(":")[0];
    expect(volume, "a volume at /data, where redis-server keeps its AOF").toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });

  it("runs the image's CLI: a web process without workers and a separate worker", () => {
    const [node, cli, command] = imageCmd();
    expect(command).toBe("start");
    expect(compose.services.web!.command).toEqual([node, cli, "start", "--no-workers"]);
    expect(compose.services.worker!.command).toEqual([node, cli, "worker"]);
    for (const name of ["web", "worker"]) {
      const service = compose.services[name]!;
      expect(service.build, `${name} builds this repository's Dockerfile`).toBe(".");
      expect(service.depends_on?.redis?.condition).toBe("service_healthy");
    }
    // Longer than the default SHUTDOWN_GRACE, so running scripts end as `cancelled` with their logs committed.
    expect(Number.parseInt(compose.services.worker!.stop_grace_period ?? "10", 10)).toBeGreaterThan(30);
  });

  it("takes settings from .env and names only settings chorebot reads, secrets never written in", () => {
    const known = configNames();
    const secrets: string[] =
      read("src/config.ts")
        .match(/APP_SECRET_NAMES = \[([^\]]*)\]/)?.[1]
        ?.match(/[A-Z_]+/g) ?? [];
    expect(secrets, "src/config.ts lists the app's secrets").toContain("WEBHOOK_SECRET");
    for (const name of ["web", "worker"]) {
      const service = compose.services[name]!;
      expect([service.env_file].flat(), `${name} reads .env`).toContain(".env");
      for (const [setting, value] of Object.entries(service.environment ?? {})) {
        expect(known.has(setting), `${name}: ${setting} is not a setting in src/config.ts`).toBe(true);
        // A secret only as a reference to the operator's environment (.env), never a value.
        if (secrets.includes(setting)) expect(value, `${name}: ${setting}`).toMatch(/^\$\{[A-Z_]+(:-[^}]*)?\}$/);
      }
    }
    expect(composeText).not.toMatch(/PRIVATE_KEY|WEBHOOK_SECRET|DASHBOARD_PASSWORD|METRICS_TOKEN/);
  });

  it("documents every variable it interpolates in the README's Deploying section", () => {
    const deploying = /^## Deploying\n([\s\S]*?)^## /m.exec(read("README.md"))?.[1] ?? "";
    const variables = new Set([...composeText.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]!));
    expect(variables.size).toBeGreaterThan(0);
    for (const variable of variables) expect(deploying, `README "Deploying" mentions ${variable}`).toContain(variable);
  });
});
