/**
 * GET /api/v1/claws/{name}/logs?source=boot|gateway|updates|verify&lines=N: the last lines of one of
 * the claw's logs, read over SSH with the pinned key and redacted (core/logs). 409 when the claw
 * is not running.
 */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import { appRoot } from "../../core/app";
import { ClawError } from "../../core/errors";
import {
  DEFAULT_LOG_LINES,
  LOG_SOURCES,
  MAX_LOG_LINES,
  readClawLogs,
  type ClawLogsDeps,
  type LogSource,
} from "../../core/logs";
import { clawParam } from "./claws";
import { route } from "./deps";
import { limitQuery } from "./request";
import { json } from "./respond";

export type LogsDepsProvider = (context: InvocationContext) => ClawLogsDeps;

let cached: ClawLogsDeps | undefined;

/** Production: the tables, the secret store and SSH from the composition root, once per process. */
export const productionLogsDeps: LogsDepsProvider = () => {
  if (cached) return cached;
  const root = appRoot();
  const config = root.config();
  const state = root.storage.state;
  const secrets = root.secrets();
  const guestFor = root.guests();
  // Azure: SSH to the claw's public IP. Twin: the emulator maps VM names to loopback ports.
  const byName = config.mode === "twin";
  cached = {
    readClaw: (name) => state.claws.require(name),
    clawSecrets: (name) => secrets.getClawSecrets(name),
    exec: async (t, command) =>
      (await guestFor({ address: byName ? t.claw : t.address, hostKeySha256: t.hostKeySha256 })).exec(
        command,
        { timeoutMs: 30_000 },
      ),
  };
  return cached;
};

function sourceQuery(req: HttpRequest): LogSource {
  const v = req.query.get("source") ?? "boot";
  if (!(LOG_SOURCES as readonly string[]).includes(v)) {
    throw new ClawError(
      "BAD_REQUEST",
      `query parameter source: must be one of ${LOG_SOURCES.join(", ")}; got '${v.slice(0, 40)}'`,
    );
  }
  return v as LogSource;
}

export function createLogsHandlers(deps: LogsDepsProvider) {
  const clawLogs = route("clawLogs", async (req: HttpRequest, context: InvocationContext) => {
    const name = clawParam(req);
    const source = sourceQuery(req);
    const lines = limitQuery(req, "lines", MAX_LOG_LINES) ?? DEFAULT_LOG_LINES;
    const logs = await readClawLogs(deps(context), name, source, lines);
    return json(200, logs, { "cache-control": "no-store" });
  });
  return { clawLogs };
}

const handlers = createLogsHandlers(productionLogsDeps);

app.http("clawLogs", {
  route: "v1/claws/{name}/logs",
  methods: ["GET"],
  authLevel: "function",
  handler: handlers.clawLogs,
});
