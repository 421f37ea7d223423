/** Plain-fetch helpers for the stand-in's own tests. */
import { expect } from "vitest";
import type { GitHubStandIn } from "./index.js";

/** An unsigned-but-well-formed app JWT (the stand-in decodes, it does not verify). */
export function fakeAppJwt(iss: string | number = 4242): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat: now - 30, exp: now + 540, iss })}.c2lnbmF0dXJl`;
}

export interface Api {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
}

/** `token <installation token>`, freshly issued for an app JWT. */
export async function tokenHeader(gh: GitHubStandIn): Promise<string> {
  const issued = await fetch(`${gh.baseUrl}/app/installations/${gh.installationId}/access_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${fakeAppJwt()}`, accept: "application/vnd.github+json" },
  });
  expect(issued.status).toBe(201);
  return `token ${((await issued.json()) as { token: string }).token}`;
}

export async function client(gh: GitHubStandIn): Promise<Api> {
  const authorization = await tokenHeader(gh);
  return async (method, path, body) => {
    const response = await fetch(`${gh.baseUrl}${path}`, {
      method,
      headers: { authorization, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
}
