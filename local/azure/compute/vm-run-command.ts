/**
 * Run Command: POST .../virtualMachines/{vm}/runCommand with `{ commandId: "RunShellScript",
 * script: [lines], parameters? }` runs the script as root in the guest, through the VM agent — an
 * ARM-authenticated channel to the guest that needs no SSH. Answers 202 with Azure-AsyncOperation
 * and Location; the result is one InstanceViewStatus whose message reads
 * "Enable succeeded: \n[stdout]\n...\n[stderr]\n..." (the last 4 KB of each stream). As on Linux,
 * the script's exit code is not reported: a failing script still "succeeds".
 */
import type { EmulatorContext } from "../context";
import { ArmError, conflict, invalidParameter } from "../arm/errors";
import { objectBody, type ArmRequest, type ArmResponse } from "../arm/http";
import { PROVIDER, vmNotRunning } from "./constants";
import { assertVmIdle } from "./vm-lifecycle";
import type { Vm, VmMeta } from "./vm-model";

/** Output Azure keeps of each stream. */
const OUTPUT_TAIL_BYTES = 4096;

/**
 * Scripts of running commands, by operation name: kept in memory, never in the persisted state
 * (a script may carry anything). An emulator restarted mid-command fails that command.
 */
const scripts = new WeakMap<EmulatorContext, Map<string, string>>();

export function registerRunCommand(ctx: EmulatorContext): void {
  scripts.set(ctx, new Map());
  ctx.ops.register("vm.runCommand", {
    async complete(op) {
      const script = scripts.get(ctx)?.get(op.name);
      scripts.get(ctx)?.delete(op.name);
      if (script === undefined) {
        throw new ArmError(500, "InternalExecutionError", "The run command was lost (agent restarted).");
      }
      const vm = ctx.store.get<VmMeta>(op.resourceId);
      if (!vm || vm.meta.power !== "running") throw vmNotRunning();
      const r = await ctx.guests.runScript(vm.id, script, { maxBytes: OUTPUT_TAIL_BYTES });
      const message = `Enable succeeded: \n[stdout]\n${r?.stdout ?? ""}\n[stderr]\n${r?.stderr ?? ""}\n`;
      op.output = {
        value: [
          {
            code: "ProvisioningState/succeeded",
            level: "Info",
            displayStatus: "Provisioning succeeded",
            message,
          },
        ],
      };
      ctx.store.save();
    },
    fail(op) {
      scripts.get(ctx)?.delete(op.name);
    },
  });
}

export function runCommand(ctx: EmulatorContext, req: ArmRequest, vm: Vm): ArmResponse {
  const body = objectBody(req);
  const commandId = String(body.commandId ?? "");
  if (commandId === "")
    throw invalidParameter("Required parameter 'commandId' is missing (null).", "commandId");
  if (commandId !== "RunShellScript") {
    throw invalidParameter(
      `The command '${commandId}' is not supported for a Linux VM (the emulator runs RunShellScript).`,
      "commandId",
    );
  }
  if (body.script !== undefined && !Array.isArray(body.script)) {
    throw invalidParameter("script must be an array of lines.", "script");
  }
  const params = Array.isArray(body.parameters)
    ? (body.parameters as { name?: unknown; value?: unknown }[])
    : [];
  if (ctx.ops.running(vm.id)?.kind === "vm.runCommand") {
    throw conflict(
      "Conflict",
      "Run command extension execution is in progress. Please wait for completion before invoking a run command.",
    );
  }
  assertVmIdle(ctx, vm, "Run Command");
  if (vm.meta.power !== "running") throw vmNotRunning();
  // RunShellScript passes parameters as environment variables of the script.
  const exports = params
    .filter((p) => typeof p.name === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name))
    .map((p) => `export ${String(p.name)}=${shellQuote(String(p.value ?? ""))}`);
  const script = [...exports, ...((body.script ?? []) as unknown[]).map(String)].join("\n");
  const op = ctx.ops.begin(req, {
    kind: "vm.runCommand",
    resourceId: vm.id,
    provider: PROVIDER,
    location: String(vm.body.location),
    durationKind: "vm.runCommand",
    embedOutput: true,
  });
  scripts.get(ctx)?.set(op.name, script);
  return { status: 202, headers: ctx.ops.headers(op, req.baseUrl, true) };
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
