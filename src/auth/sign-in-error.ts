/** Why a sign-in failed, with the status and the short message (plain text) the callback answers. */
export class SignInError extends Error {
  constructor(
    readonly status: 400 | 403 | 502,
    message: string,
  ) {
    super(message);
    this.name = "SignInError";
  }
}
