import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "./api-error.js";

/**
 * How a route authenticates, like GitHub:
 * - "app": a GitHub App JWT (`Authorization: Bearer <jwt>`); the signature is not verified,
 *   but the payload must decode and carry `iss` and a sane `exp`.
 * - "installation": an installation access token issued by this stand-in (`token …` or `Bearer …`).
 */
export type AuthKind = "app" | "installation";

export interface AppAuth {
  kind: "app";
  appId: string;
}

export interface InstallationAuth {
  kind: "installation";
  token: string;
  installationId: number;
}

export type Authenticated = AppAuth | InstallationAuth;

export interface IssuedToken {
  token: string;
  installationId: number;
  expiresAt: Date;
  permissions: Record<string, string>;
}

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  issue(installationId: number, permissions: Record<string, string>): IssuedToken {
    const issued: IssuedToken = {
      token: `ghs_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`,
      installationId,
      // GitHub installation tokens live one hour.
      expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + 60 * 60 * 1000),
      permissions,
    };
    this.tokens.set(issued.token, issued);
    return issued;
  }

  lookup(token: string): IssuedToken | undefined {
    const issued = this.tokens.get(token);
    return issued && issued.expiresAt.getTime() > Date.now() ? issued : undefined;
  }
}

function authorization(headers: IncomingHttpHeaders): { scheme: string; credentials: string } | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const space = header.indexOf(" ");
  if (space === -1) return { scheme: "", credentials: header };
  return { scheme: header.slice(0, space).toLowerCase(), credentials: header.slice(space + 1).trim() };
}

/** Decodes (without verifying) a JWT's payload; undefined when it is not a JWT. */
export function decodeJwtPayload(jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as unknown;
    if (typeof header !== "object" || header === null) return undefined;
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function authenticate(kind: AuthKind, headers: IncomingHttpHeaders, tokens: TokenStore): Authenticated {
  const auth = authorization(headers);
  if (kind === "app") {
    const payload = auth?.scheme === "bearer" ? decodeJwtPayload(auth.credentials) : undefined;
    if (!payload) throw new ApiError(401, "A JSON web token could not be decoded");
    const iss = payload.iss;
    if ((typeof iss !== "string" && typeof iss !== "number") || iss === "") {
      throw new ApiError(401, "'Issuer' claim ('iss') must be an Integer");
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp;
    if (typeof exp !== "number" || exp <= now) {
      throw new ApiError(401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
    }
    if (exp > now + 10 * 60 + 60) {
      throw new ApiError(401, "'Expiration time' claim ('exp') is too far in the future");
    }
    return { kind: "app", appId: String(iss) };
  }

  if (!auth) throw new ApiError(401, "Requires authentication");
  if (auth.scheme !== "token" && auth.scheme !== "bearer") throw new ApiError(401, "Bad credentials");
  const issued = tokens.lookup(auth.credentials);
  if (!issued) throw new ApiError(401, "Bad credentials");
  return { kind: "installation", token: issued.token, installationId: issued.installationId };
}
