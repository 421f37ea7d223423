import { randomBytes, timingSafeEqual } from "node:crypto";
import { userInfo } from "node:os";
import { CHORES_PATH } from "../chores/chores-paths.js";
import type { ChoresSignIn, ChoresUser } from "../chores/chores-pages-deps.js";
import { seeOther } from "../chores/send-page.js";

/**
 * The preview's sign-in: everyone who reaches it (this machine's loopback only) is the local
 * user. The forms still carry a CSRF token, random for this process and checked, so another
 * site open in the same browser cannot post them.
 */
export function localSignIn(user: ChoresUser, token: string = randomBytes(32).toString("base64url")): ChoresSignIn {
  const expected = Buffer.from(token);
  return {
    user: () => user,
    // Nobody is ever signed out here.
    redirectToLogin: (_req, res) => seeOther(res, CHORES_PATH),
    csrfToken: () => token,
    verifyCsrf(_req, given) {
      if (given === undefined) return false;
      const actual = Buffer.from(given);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

/** Who runs chores in the preview: the OS user's name (letters, digits and `. _ @ + -`), or "you". */
export function localUserName(read: () => string = () => userInfo().username): string {
  let name: string;
  try {
    name = read();
  } catch {
    return "you"; // no passwd entry for this uid (a container's)
  }
  const clean = name.replace(/[^A-Za-z0-9._@+-]+/g, "").slice(0, 39);
  return clean === "" ? "you" : clean;
}
