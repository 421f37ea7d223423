/**
 * A browser for HTTP-level tests of pages behind GitHub sign-in: follows nothing by itself and
 * keeps the cookies each site sets, by host and port (unlike real browsers, so chorebot and the
 * GitHub stand-in on one machine keep theirs apart). `githubCookie` (from the stand-in's
 * `signInAs`) says who is signed in to GitHub in this browser.
 */
export class TestBrowser {
  readonly jar = new Map<string, Map<string, string>>();

  constructor(private readonly o: { base: string; githubHost: string; githubCookie?: string }) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(url, { method: "GET", headers });
  }

  async send(url: string, init: { method: string; headers?: Record<string, string>; body?: string | FormData | URLSearchParams }): Promise<Response> {
    const target = new URL(url, this.o.base);
    const cookies = [...(this.jar.get(target.host) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`);
    if (target.host === this.o.githubHost && this.o.githubCookie) cookies.push(this.o.githubCookie);
    const response = await fetch(target, {
      ...init,
      redirect: "manual",
      headers: { ...init.headers, ...(cookies.length > 0 ? { cookie: cookies.join("; ") } : {}) },
    });
    const site = this.jar.get(target.host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (/max-age=0/i.test(line)) site.delete(name);
      else site.set(name, value);
    }
    this.jar.set(target.host, site);
    return response;
  }

  /** GET `url`, then every redirect, until a page answers. */
  async follow(url: string): Promise<{ response: Response; visited: string[] }> {
    const visited: string[] = [];
    let next = new URL(url, this.o.base).toString();
    for (let hops = 0; hops < 10; hops++) {
      visited.push(next);
      const response = await this.get(next);
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || location === null) return { response, visited };
      next = new URL(location, next).toString();
    }
    throw new Error(`redirect loop: ${visited.join(" → ")}`);
  }
}
