import { createHash } from "node:crypto";
import type { GitIdentity } from "./git-repo.js";

/** A stable numeric id for a login (GitHub ids are positive integers). */
export function userId(login: string): number {
  const digest = createHash("sha256").update(login.toLowerCase()).digest();
  return (digest.readUInt32BE(0) % 90_000_000) + 10_000_000;
}

export function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`${prefix}:${id}`).toString("base64url")}`;
}

export function isBotLogin(login: string): boolean {
  return login.endsWith("[bot]");
}

/** The git identity GitHub uses for a user's web commits: `<id>+<login>@users.noreply.github.com`. */
export function gitIdentityFor(login: string): GitIdentity {
  return { name: login, email: `${userId(login)}+${login}@users.noreply.github.com` };
}

/** Reverses gitIdentityFor: which login (if any) a commit email belongs to. */
export function loginForEmail(email: string): string | undefined {
  const match = /^(\d+)\+(.+)@users\.noreply\.github\.com$/.exec(email);
  if (!match || userId(match[2]!) !== Number(match[1])) return undefined;
  return match[2];
}

/** GitHub's "simple user" shape. */
export function userObject(apiUrl: string, htmlUrl: string, login: string, type?: "User" | "Organization" | "Bot") {
  const id = userId(login);
  const kind = type ?? (isBotLogin(login) ? "Bot" : "User");
  const userApi = `${apiUrl}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: nodeId(kind === "Organization" ? "O" : kind === "Bot" ? "BOT" : "U", id),
    avatar_url: `${htmlUrl}/avatars/u/${id}?v=4`,
    gravatar_id: "",
    url: userApi,
    html_url: kind === "Bot" ? `${htmlUrl}/apps/${login.replace(/\[bot\]$/, "")}` : `${htmlUrl}/${login}`,
    followers_url: `${userApi}/followers`,
    following_url: `${userApi}/following{/other_user}`,
    gists_url: `${userApi}/gists{/gist_id}`,
    starred_url: `${userApi}/starred{/owner}{/repo}`,
    subscriptions_url: `${userApi}/subscriptions`,
    organizations_url: `${userApi}/orgs`,
    repos_url: `${userApi}/repos`,
    events_url: `${userApi}/events{/privacy}`,
    received_events_url: `${userApi}/received_events`,
    type: kind,
    user_view_type: "public",
    site_admin: false,
  };
}

/** The app's slug; API-created commits default to its bot identity, as GitHub does for app tokens. */
export const APP_SLUG = "chorebot";
export const BOT_LOGIN = `${APP_SLUG}[bot]`;
