/**
 * Provides the module `@azure/functions-core`, as the Azure Functions Node worker does
 * (azure-functions-nodejs-worker, setupCoreModule.ts): a Proxy on `Module.prototype.require` answers
 * that one name with our object, so the app's own copy of @azure/functions registers through us.
 * The library asks for it lazily and caches a failed lookup, so `installCoreApi()` must run before the
 * app registers its first function; it is idempotent and process-wide.
 */
import Module from "module";
import type { Logger } from "./log";
import type { CoreFunctionMetadata, FunctionCallback, ProgrammingModel, RpcLogLevel } from "./rpc-types";

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";
export type HookCallback = (context: Record<string, unknown>) => unknown;

export interface CapturedFunction {
  metadata: CoreFunctionMetadata;
  callback: FunctionCallback;
}

export interface CapturedApp {
  functions: CapturedFunction[];
  hooks: Record<HookName, HookCallback[]>;
  programmingModel: ProgrammingModel;
}

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  #callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  dispose(): void {
    const f = this.#callOnDispose;
    this.#callOnDispose = undefined;
    f?.();
  }
}

interface Collector {
  functions: CapturedFunction[];
  hooks: Record<HookName, HookCallback[]>;
}

let installed = false;
/** The library sets its model once per process (module-level flag), so it outlives every app load. */
let programmingModel: ProgrammingModel | undefined;
let collector: Collector | undefined;
let logger: Logger | undefined;
/** Hooks may be registered later (e.g. inside appStart); they join the app that is currently live. */
let liveHooks: Record<HookName, HookCallback[]> | undefined;

const emptyHooks = (): Record<HookName, HookCallback[]> => ({
  appStart: [],
  appTerminate: [],
  preInvocation: [],
  postInvocation: [],
  log: [],
});

const coreApi = {
  version: "4.0.0-devhost",
  hostVersion: "4.1000.0",
  Disposable,
  setProgrammingModel(pm: ProgrammingModel): void {
    programmingModel = pm;
  },
  getProgrammingModel(): ProgrammingModel | undefined {
    return programmingModel;
  },
  registerFunction(metadata: CoreFunctionMetadata, callback: FunctionCallback): Disposable {
    if (!collector) {
      throw new Error(`A function can only be registered during app startup (function "${metadata.name}").`);
    }
    const current = collector;
    if (current.functions.some((f) => f.metadata.name.toLowerCase() === metadata.name.toLowerCase())) {
      throw new Error(`A function named "${metadata.name}" is already registered.`);
    }
    const entry = { metadata, callback };
    current.functions.push(entry);
    return new Disposable(() => current.functions.splice(current.functions.indexOf(entry), 1));
  },
  registerHook(name: HookName, callback: HookCallback): Disposable {
    const hooks = collector?.hooks ?? liveHooks;
    if (!hooks || !(name in hooks)) throw new RangeError(`Unknown or unavailable hook "${name}".`);
    hooks[name].push(callback);
    return new Disposable(() => hooks[name].splice(hooks[name].indexOf(callback), 1));
  },
  log(level: RpcLogLevel, category: string, message: string): void {
    logCoreMessage(level, category, message);
  },
};

function logCoreMessage(level: RpcLogLevel, category: string, message: string): void {
  const log = logger;
  if (!log) return;
  const line = category === "system" ? `[system] ${message}` : message;
  if (level === "error" || level === "critical") log.error(line);
  else if (level === "warning") log.warn(line);
  else if (level === "debug" || level === "trace") log.debug(line);
  else if (level !== "none") log.info(line);
}

/** Installs the require proxy (once per process). */
export function installCoreApi(): void {
  if (installed) return;
  installed = true;
  const original = Module.prototype.require;
  Module.prototype.require = new Proxy(original, {
    apply(target, self, args: unknown[]) {
      if (args[0] === "@azure/functions-core") return coreApi;
      return Reflect.apply(target, self, args) as unknown;
    },
  });
}

/** Where system messages of the library (and user logs routed through coreApi.log) go. */
export function setCoreLogger(log: Logger | undefined): void {
  logger = log;
}

/**
 * Runs `load` (which requires the app's entry) while capturing every registration it makes.
 * Throws if the app registered functions but the library never set its programming model.
 */
export function captureRegistrations(load: () => void): CapturedApp {
  installCoreApi();
  if (collector) throw new Error("Another app is being loaded.");
  const current: Collector = { functions: [], hooks: emptyHooks() };
  collector = current;
  try {
    load();
  } finally {
    collector = undefined;
  }
  liveHooks = current.hooks;
  if (!programmingModel) {
    throw new Error(
      "The app registered no functions through @azure/functions (was @azure/functions loaded before the dev host?).",
    );
  }
  return { functions: current.functions, hooks: current.hooks, programmingModel };
}
