/**
 * The slice of the Functions host <-> worker protocol (RPC) that the dev host speaks to the
 * @azure/functions library. The real shapes live in the worker's protobuf definitions; the library
 * only reads the fields below, so these are all we produce or consume.
 */
export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: { value?: string | null } | null;
  path?: { value?: string | null } | null;
  expires?: { value?: { seconds?: number | null } | null } | null;
  secure?: { value?: boolean | null } | null;
  httpOnly?: { value?: boolean | null } | null;
  /** 0 None (unset), 1 Lax, 2 Strict, 3 ExplicitNone. */
  sameSite?: number | null;
  maxAge?: { value?: number | null } | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  statusCode?: string | null;
  query?: Record<string, string> | null;
  cookies?: RpcHttpCookie[] | null;
  enableContentNegotiation?: boolean | null;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcParameterBinding {
  name?: string | null;
  data?: RpcTypedData | null;
}

export interface RpcBindingInfo {
  type?: string | null;
  direction?: "in" | "out" | "inout" | null;
  dataType?: string | null;
  properties?: Record<string, string> | null;
  [option: string]: unknown;
}

/** What `registerFunction` receives from the library (`toCoreFunctionMetadata`). */
export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: Record<string, unknown>;
}

export interface RpcInvocationResponse {
  invocationId?: string | null;
  outputData?: RpcParameterBinding[] | null;
  returnValue?: RpcTypedData | null;
}

export type RpcLogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical" | "none";
export type RpcLogCategory = "user" | "system" | "customMetric";

/** The user's handler as registered; `df.app.*` registrations are the durable-functions wrappers. */
export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RpcRetryContext {
  retryCount: number;
  /** -1 means retry forever. */
  maxRetryCount: number;
  exception?: { message?: string; source?: string; stackTrace?: string };
}

/** What `pm.getInvocationModel` needs (CoreInvocationContext in the worker). */
export interface CoreInvocationContext {
  invocationId: string;
  state?: "preInvocationHooks" | "postInvocationHooks" | "invocation";
  metadata: CoreFunctionMetadata;
  request: {
    inputData?: RpcParameterBinding[];
    triggerMetadata?: Record<string, RpcTypedData>;
    retryContext?: RpcRetryContext;
  };
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}
