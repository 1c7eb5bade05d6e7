/**
 * Loads a compiled v4 function app and keeps what it registered; invokes a function through the
 * library's own pipeline (getInvocationModel -> getArguments -> hooks -> invokeFunction ->
 * getResponse), exactly as the Node worker does, so handlers see real HttpRequest, InvocationContext,
 * extraInputs and triggerMetadata objects.
 */
import { randomUUID } from "crypto";
import path from "path";
import { captureRegistrations, type HookCallback, type HookName } from "./core-api";
import { createLogger, type Logger } from "./log";
import type {
  CoreFunctionMetadata,
  FunctionCallback,
  ProgrammingModel,
  RpcBindingInfo,
  RpcInvocationResponse,
  RpcParameterBinding,
  RpcRetryContext,
  RpcTypedData,
} from "./rpc-types";

export interface BindingRef {
  bindingName: string;
  type: string;
  /** The binding as registered (queueName, schedule, route, methods, authLevel, connection, ...). */
  options: RpcBindingInfo;
}

export interface RegisteredFunction {
  name: string;
  metadata: CoreFunctionMetadata;
  /** The registered callback: the user's handler, or the durable-functions wrapper for df.app.*. */
  handler: FunctionCallback;
  trigger: BindingRef;
  extraInputs: BindingRef[];
  /** Output bindings, `$return` included. */
  outputs: BindingRef[];
}

export interface AppRegistry {
  /** Absolute path of the loaded entry module. */
  main: string;
  functions: Map<string, RegisteredFunction>;
  programmingModel: ProgrammingModel;
  hooks: Record<HookName, HookCallback[]>;
  /** Shared by every app-level hook (appStart, appTerminate) and visible to invocation hooks. */
  appHookData: Record<string, unknown>;
  log: Logger;
}

export interface InvokeOptions {
  /** The trigger's input, as the host would send it (e.g. `{ http }`, `{ string }`, `{ json }`). */
  triggerData: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Values of non-trigger inputs by binding name (e.g. the durableClient JSON). */
  extraInputData?: { name: string; data: RpcTypedData }[];
  log?: Logger;
  invocationId?: string;
  /** Sent by the host on every attempt of a function with a retry policy. */
  retryContext?: RpcRetryContext;
}

export interface InvocationResult {
  /** The handler's own return value (after postInvocation hooks), as a JS value. */
  returnValue: unknown;
  /** Extra output bindings' values, converted by the library (RPC typed data). */
  outputData: RpcParameterBinding[];
  /** The library's complete response; `rpc.returnValue` is the `$return` binding's typed data. */
  rpc: RpcInvocationResponse;
}

/** Cache keys each main added on its last load, so loading it again re-runs its registrations. */
const loadedModules = new Map<string, string[]>();

/** Requires the app's entry with `@azure/functions-core` provided and returns its registrations. */
export function loadApp(mainPath: string, opts: { log?: Logger } = {}): AppRegistry {
  const main = path.resolve(mainPath);
  const log = opts.log ?? createLogger();
  for (const key of loadedModules.get(main) ?? []) delete require.cache[key];
  const before = new Set(Object.keys(require.cache));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app is CommonJS, loaded by path
  const captured = captureRegistrations(() => require(main));
  loadedModules.set(
    main,
    Object.keys(require.cache).filter(
      (k) => !before.has(k) && !k.includes(`${path.sep}node_modules${path.sep}`),
    ),
  );

  const functions = new Map<string, RegisteredFunction>();
  for (const { metadata, callback } of captured.functions) {
    functions.set(metadata.name, describeFunction(metadata, callback));
  }
  return {
    main,
    functions,
    programmingModel: captured.programmingModel,
    hooks: captured.hooks,
    appHookData: {},
    log,
  };
}

function describeFunction(metadata: CoreFunctionMetadata, handler: FunctionCallback): RegisteredFunction {
  const refs = Object.entries(metadata.bindings).map(([bindingName, options]) => ({
    bindingName,
    type: String(options.type ?? ""),
    options,
  }));
  const trigger = refs.find((r) => /trigger$/i.test(r.type) && r.options.direction !== "out");
  if (!trigger) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
  return {
    name: metadata.name,
    metadata,
    handler,
    trigger,
    extraInputs: refs.filter((r) => r !== trigger && r.options.direction !== "out"),
    outputs: refs.filter((r) => r.options.direction === "out"),
  };
}

/** Finds a function by name, case-insensitively as the host does. */
export function getFunction(registry: AppRegistry, name: string): RegisteredFunction | undefined {
  const exact = registry.functions.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const fn of registry.functions.values()) if (fn.name.toLowerCase() === lower) return fn;
  return undefined;
}

/**
 * Invokes one function with the worker's sequence: arguments, preInvocation hooks, the handler,
 * postInvocation hooks, response conversion. Rejects with the handler's error.
 */
export async function invokeFunction(
  registry: AppRegistry,
  name: string,
  opts: InvokeOptions,
): Promise<InvocationResult> {
  const fn = getFunction(registry, name);
  if (!fn) throw new Error(`No function named "${name}" is registered.`);
  const log = (opts.log ?? registry.log).child(fn.name);
  const invocationId = opts.invocationId ?? randomUUID();
  const inputData: RpcParameterBinding[] = [
    { name: fn.trigger.bindingName, data: opts.triggerData },
    ...(opts.extraInputData ?? []),
  ];
  const coreCtx = {
    invocationId,
    state: "invocation" as const,
    metadata: fn.metadata,
    request: { inputData, triggerMetadata: opts.triggerMetadata, retryContext: opts.retryContext },
    log(level: string, _category: string, message: string) {
      if (level === "error" || level === "critical") log.error(message);
      else if (level === "warning") log.warn(message);
      else if (level === "debug" || level === "trace") log.debug(message);
      else log.info(message);
    },
  };
  const model = registry.programmingModel.getInvocationModel(coreCtx);
  const { context, inputs } = await model.getArguments();

  const hookData: Record<string, unknown> = {};
  const pre: Record<string, unknown> = {
    hookData,
    appHookData: registry.appHookData,
    invocationContext: context,
    inputs,
    functionCallback: fn.handler,
  };
  await runHooks(registry, "preInvocation", pre);

  coreCtx.state = "invocation";
  const post: Record<string, unknown> = {
    hookData,
    appHookData: registry.appHookData,
    invocationContext: context,
    inputs: pre.inputs,
    result: null,
    error: null,
  };
  try {
    post.result = await model.invokeFunction(
      context,
      pre.inputs as unknown[],
      pre.functionCallback as FunctionCallback,
    );
  } catch (err) {
    post.error = err;
  }
  await runHooks(registry, "postInvocation", post);
  if (post.error !== null && post.error !== undefined) throw post.error;

  const rpc = await model.getResponse(context, post.result);
  return { returnValue: post.result, outputData: rpc.outputData ?? [], rpc };
}

/** Runs every hook of one kind in registration order; a throwing hook fails the whole step. */
export async function runHooks(
  registry: AppRegistry,
  name: HookName,
  context: Record<string, unknown>,
): Promise<void> {
  for (const hook of [...registry.hooks[name]]) await hook(context);
}

/** Runs the app's appStart (or appTerminate) hooks, as the worker does at startup and shutdown. */
export async function runAppHooks(
  registry: AppRegistry,
  name: "appStart" | "appTerminate",
  functionAppDirectory: string,
): Promise<void> {
  await runHooks(registry, name, {
    hookData: registry.appHookData,
    appHookData: registry.appHookData,
    functionAppDirectory,
  });
}
