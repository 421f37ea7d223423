import type { RouteContext } from "./router.js";

/** The 1-based `page` a request asks for (1 when absent or nonsense). */
export function requestedPage(ctx: RouteContext): number {
  return Math.max(1, Math.floor(Number(ctx.query.get("page")) || 1));
}

/**
 * GitHub-style pagination: `per_page` (default 30, max 100) and `page` (1-based) query parameters,
 * with a `Link` header carrying rel="prev"/"next"/"last"/"first" as applicable.
 */
export function paginate<T>(ctx: RouteContext, items: T[]): { status: 200; body: T[]; headers?: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page")) || 30));
  const page = requestedPage(ctx);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const body = items.slice((page - 1) * perPage, page * perPage);

  const link = (target: number, rel: string) => {
    const url = new URL(ctx.url);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(target));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(Math.min(page - 1, lastPage), "prev"));
  if (page < lastPage) links.push(link(page + 1, "next"), link(lastPage, "last"));
  if (page > 1) links.push(link(1, "first"));
  return { status: 200, body, headers: links.length > 0 ? { link: links.join(", ") } : undefined };
}
