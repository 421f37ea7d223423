/** The app as GitHub describes it to its own JWT (`GET /app`): its slug names its bot user. */
interface AppClient {
  rest: { apps: { getAuthenticated(): Promise<{ data: { slug?: string } | null }> } };
}

/**
 * The login of the app's bot user (`<slug>[bot]`), who its reactions and comments are by:
 * asked of GitHub once, asked again only after a failure.
 */
export function appBotLogin(appClient: () => Promise<AppClient>): () => Promise<string> {
  let known: Promise<string> | null = null;
  return () => {
    known ??= (async () => {
      const { data } = await (await appClient()).rest.apps.getAuthenticated();
      if (!data?.slug) throw new Error("GitHub did not say the app's slug (GET /app)");
      return `${data.slug}[bot]`;
    })().catch((error: unknown) => {
      known = null;
      throw error;
    });
    return known;
  };
}
