/**
 * What happens around every invocation, whatever the trigger: the extra inputs the host supplies
 * (the durableClient payload) and the output bindings it writes afterwards (storage queues). Other
 * binding types are reported once at load time and otherwise ignored.
 */
import type { DurableHost } from "./durable/types";
import type { Logger } from "./log";
import { invokeFunction, type AppRegistry, type InvocationResult, type RegisteredFunction } from "./registry";
import type { RpcRetryContext, RpcTypedData } from "./rpc-types";
import { resolvePercentVars, type Settings } from "./settings";
import type { StorageClients } from "./storage";
import { encodeQueueMessage } from "./queue/encoding";

export interface InvocationEnv {
  registry: AppRegistry;
  durable: DurableHost;
  storage: StorageClients;
  settings: Settings;
  messageEncoding: "base64" | "none";
  log: Logger;
}

const SUPPORTED_INPUTS = new Set(["durableclient"]);
const SUPPORTED_OUTPUTS = new Set(["queue", "http"]);
/** Trigger types served here; the durable ones belong to the durable engine. */
export const DURABLE_TRIGGERS = new Set(["orchestrationtrigger", "activitytrigger", "entitytrigger"]);
const SERVED_TRIGGERS = new Set(["httptrigger", "queuetrigger", "timertrigger", ...DURABLE_TRIGGERS]);

/** Lists what the dev host cannot serve in this app, one line per problem. */
export function unsupportedBindings(registry: AppRegistry): string[] {
  const problems: string[] = [];
  for (const fn of registry.functions.values()) {
    if (!SERVED_TRIGGERS.has(fn.trigger.type.toLowerCase())) {
      problems.push(`${fn.name}: trigger type "${fn.trigger.type}" is not served by the dev host`);
    }
    for (const input of fn.extraInputs) {
      if (!SUPPORTED_INPUTS.has(input.type.toLowerCase())) {
        problems.push(
          `${fn.name}: input binding "${input.type}" is not supported (the value will be undefined)`,
        );
      }
    }
    for (const output of fn.outputs) {
      if (
        !SUPPORTED_OUTPUTS.has(output.type.toLowerCase()) &&
        !(output.bindingName === "$return" && !isHttp(fn))
      ) {
        problems.push(`${fn.name}: output binding "${output.type}" is not supported (values are dropped)`);
      }
    }
  }
  return problems;
}

function isHttp(fn: RegisteredFunction): boolean {
  return fn.trigger.type.toLowerCase() === "httptrigger";
}

/** The extra input data for one invocation (the durableClient binding payload). */
export function extraInputsFor(
  fn: RegisteredFunction,
  env: InvocationEnv,
): { name: string; data: RpcTypedData }[] {
  return fn.extraInputs
    .filter((i) => i.type.toLowerCase() === "durableclient")
    .map((i) => ({ name: i.bindingName, data: { json: JSON.stringify(env.durable.clientBindingData()) } }));
}

/**
 * Invokes a function with its extra inputs and then writes its queue outputs. Rejects with the
 * handler's error (outputs of a failed invocation are not written, as on Azure).
 */
export async function runFunction(
  fn: RegisteredFunction,
  trigger: { data: RpcTypedData; metadata?: Record<string, RpcTypedData>; retryContext?: RpcRetryContext },
  env: InvocationEnv,
): Promise<InvocationResult> {
  const result = await invokeFunction(env.registry, fn.name, {
    triggerData: trigger.data,
    triggerMetadata: trigger.metadata,
    retryContext: trigger.retryContext,
    extraInputData: extraInputsFor(fn, env),
    log: env.log,
  });
  await writeQueueOutputs(fn, result, env);
  return result;
}

async function writeQueueOutputs(
  fn: RegisteredFunction,
  result: InvocationResult,
  env: InvocationEnv,
): Promise<void> {
  for (const out of fn.outputs) {
    if (out.type.toLowerCase() !== "queue") continue;
    const data =
      out.bindingName === "$return"
        ? result.rpc.returnValue
        : result.outputData.find((o) => o.name === out.bindingName)?.data;
    const messages = queueMessagesOf(data);
    if (messages.length === 0) continue;
    const queueName = resolvePercentVars(String(out.options.queueName ?? ""), env.settings).toLowerCase();
    const queue = await env.storage.queue(queueName, out.options.connection as string | undefined);
    for (const m of messages) await queue.sendMessage(encodeQueueMessage(m, env.messageEncoding));
  }
}

/** One message per array element, as the host does for array-valued queue outputs. */
export function queueMessagesOf(data: RpcTypedData | null | undefined): (string | Buffer)[] {
  if (!data) return [];
  if (data.bytes) return [Buffer.from(data.bytes)];
  if (typeof data.string === "string") return [data.string];
  if (typeof data.int === "number") return [String(data.int)];
  if (typeof data.double === "number") return [String(data.double)];
  if (typeof data.json === "string") {
    const value: unknown = JSON.parse(data.json);
    const items = Array.isArray(value) ? value : [value];
    return items.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
  }
  return [];
}
