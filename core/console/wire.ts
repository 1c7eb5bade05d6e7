/**
 * The HTTP API's shapes as its own clients read them: the console (built for the browser by
 * ui/build.mjs, type-checked by ui/tsconfig.json) and the CLI. No imports, so both can take it.
 */

/** An answer that is not 2xx, carrying the API's own error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly operationId?: string,
  ) {
    super(message);
  }
}

export interface Step {
  name: string;
  startedAt: string;
  endedAt?: string;
  ok?: boolean;
  detail?: string;
}

export interface Operation {
  id: string;
  kind: string;
  claw: string;
  channel: string;
  principal: string;
  status: "running" | "succeeded" | "failed" | "compensated";
  startedAt: string;
  endedAt?: string;
  steps: Step[];
  error?: { code: string; message: string; step?: string };
  compensation?: unknown;
  details?: Record<string, unknown>;
  live?: { runtimeStatus: string; customStatus?: { step?: string; detail?: string } };
}

/** The operation holding a claw, as a fleet row shows it (core/console/fleet-view.ts). */
export interface FleetRowOperation {
  id: string;
  kind: string;
  startedAt: string;
  step?: string;
  stepStartedAt?: string;
  deferredBySeconds?: number;
}
