/**
 * Route table: ARM path templates (":name" segments, matched case-insensitively as ARM does) to
 * handlers, each tagged with its ARM operation id (for the request log and fault rules) and the
 * throttling policy it counts against.
 */
import type { ArmRequest, Handler } from "./http";

/** Which Compute throttling policy a request draws from, and whether per resource too. */
export interface LimitSpec {
  policy: string;
  /** Resource id whose own bucket is also charged (Compute limits per VM, per disk...). */
  resourceId?: string;
}

export interface Route {
  method: string;
  template: string;
  operationId: string;
  handler: Handler;
  /** Compute RP policy (ARM's subscription-level read/write/delete buckets apply to every route). */
  limit?: (req: ArmRequest) => LimitSpec | undefined;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(...routes: Route[]): void {
    for (const r of routes) {
      const names: string[] = [];
      const source = r.template
        .split("/")
        .map((seg) => {
          if (seg.startsWith(":")) {
            names.push(seg.slice(1));
            return "([^/]+)";
          }
          return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        })
        .join("/");
      this.routes.push({ ...r, regex: new RegExp(`^${source}/?$`, "i"), names });
    }
  }

  /** The route for a method and path, with its captured params; undefined if none matches. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      return { route: r, params };
    }
    return pathMatched ? { route: methodNotAllowed(method), params: {} } : undefined;
  }
}

function methodNotAllowed(method: string): Route {
  return {
    method,
    template: "",
    operationId: "MethodNotAllowed",
    handler: () => ({
      status: 405,
      body: {
        error: {
          code: "HttpMethodNotAllowed",
          message: `The HTTP method '${method}' is not supported at this path.`,
        },
      },
    }),
  };
}
