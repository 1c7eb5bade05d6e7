/**
 * Registers a family of activities built by a factory over lazily created dependencies. Errors
 * cross the activity boundary as "[CODE] message" (read back by saga-kit's failureOf), so sagas
 * see the ClawError code on Azure and on the dev host alike.
 */
import * as df from "durable-functions";
import { ClawError } from "../../core/errors";
import type { InvocationContext } from "@azure/functions";
import { traceActivity } from "../../core/telemetry";
import { linkTracesToRoot } from "../../core/app";

/** The calling orchestration's instance id: the Durable extension's activity trigger metadata. */
export function instanceIdOf(context: InvocationContext | undefined): string | undefined {
  const id = context?.triggerMetadata?.instanceId;
  return typeof id === "string" ? id : undefined;
}

export function registerActivities<Deps extends object, A extends Record<string, unknown>>(
  names: readonly (keyof A & string)[],
  getDeps: () => Promise<Deps>,
  build: (deps: Deps) => A,
): void {
  const built = new WeakMap<Deps, A>();
  async function activities(): Promise<A> {
    const deps = await getDeps();
    let a = built.get(deps);
    if (!a) {
      a = build(deps);
      built.set(deps, a);
    }
    return a;
  }
  for (const name of names) {
    df.app.activity(name, {
      handler: (input: unknown, context: InvocationContext) => {
        linkTracesToRoot();
        return traceActivity(
          name,
          input,
          async () => {
            const a = await activities();
            try {
              return await (a[name] as (i: unknown) => Promise<unknown>)(input);
            } catch (e) {
              if (e instanceof ClawError)
                throw new Error(`[${e.code}${e.retryable ? ",retryable" : ""}] ${e.message}`);
              throw e;
            }
          },
          instanceIdOf(context),
        );
      },
    });
  }
}
