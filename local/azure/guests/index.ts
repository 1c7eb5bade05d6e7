/**
 * Simulated guests: one per emulated VM. An OS disk made from a gallery version gets the image's
 * baked layers (image.ts, from packer/image-layers.json); a VM create runs the twin's cloud-init
 * on it (cloud-init.ts: osProfile + custom data, which brings /opt/claw). Power-on starts the
 * guest's SSH server and, after the latency model's boot delay, runs the real `lifecycle/boot.sh`
 * when the app layer installed one (guest contract); power-off stops both and wipes what a reboot
 * wipes. Each boot's output goes to $R/var/log/openclawps-boot.log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Clock } from "../clock";
import type { LatencyModel } from "../arm/latency";
import { startGatewayStandIn, type GatewayStandIn } from "./gateway";
import { guestEnv, plugDisk, shutDownRoot, startEnabledUnits, unplugAll, unplugDisk } from "./sandbox";
import { installImage, readImageLayers, type ImageLayers } from "./image";
import { provisionInstance, type InstanceSpec } from "./cloud-init";
import { startSshServer, type RunningSsh } from "./ssh-server";

export interface GuestOptions {
  /** The image's baked layers (packer/image-layers.json); without it an image is the base OS only. */
  imageLayersFile?: string;
  /** Directory of stand-in system commands put first on the guests' PATH. */
  shimsDir?: string;
  /** Extra environment for boot and SSH sessions (e.g. CLAW_DISK_WAIT_SECONDS). */
  env?: Record<string, string>;
  /** false: no SSH servers and no boot scripts (pure ARM emulation). */
  enabled?: boolean;
  /**
   * Lifecycle scripts from this directory instead of the app layer's `R/opt/claw`: boot runs
   * `<dir>/lifecycle/boot.sh` and sessions get `CLAW_OPT=<dir>`. For fleet benchmarks whose guests
   * answer as the runtime does without doing its work (local/guest-shims/answering); SSH, SFTP,
   * the sandbox and the data disk stay as they are.
   */
  payloadDir?: string;
}

export type BootState = "off" | "waiting" | "booting" | "succeeded" | "failed" | "no-boot-script";

export interface BootResult {
  state: BootState;
  exitCode?: number | null;
  /** Host path of this boot's log. */
  log?: string;
}

interface Live {
  root: string;
  adminUsername: string;
  ssh?: RunningSsh;
  gateway?: GatewayStandIn;
  cancelBoot?: () => void;
  bootProcess?: ChildProcess;
  boot: BootResult;
  waiters: ((r: BootResult) => void)[];
}

const FINAL: BootState[] = ["succeeded", "failed", "no-boot-script", "off"];

export class Guests {
  private readonly live = new Map<string, Live>();
  private readonly image: ImageLayers | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly latency: LatencyModel,
    private readonly options: GuestOptions,
    private readonly log: (m: string) => void,
  ) {
    this.image = options.imageLayersFile ? readImageLayers(options.imageLayersFile) : undefined;
  }

  /** Puts an image version's baked layers on a fresh OS disk (VM create, or a disk made FromImage). */
  installImage(root: string, imageVersion: string): Promise<void> {
    return installImage(root, imageVersion, this.image);
  }

  /**
   * What happens once, when a VM is created from an image: provisioning from the osProfile and
   * cloud-init's write_files from the custom data (the app layer). Never for a swapped-in disk.
   */
  async provision(spec: InstanceSpec): Promise<void> {
    const problems = await provisionInstance(spec);
    for (const p of problems) this.log(`guest cloud-init (${spec.computerName}): ${p}`);
  }

  attach(root: string, lun: number, diskDir: string): Promise<void> {
    return plugDisk(root, lun, diskDir);
  }

  detach(root: string, diskDir: string): Promise<void> {
    return unplugDisk(root, diskDir);
  }

  /** Unplugs every data disk from a root (its OS disk was swapped out of the VM). */
  detachAll(root: string): Promise<void> {
    return unplugAll(root);
  }

  /** The environment of a running guest's sessions and boot script. */
  private env(live: Live): Record<string, string> {
    const gateway: Record<string, string> = live.gateway ? { CLAW_GATEWAY_URL: live.gateway.url } : {};
    const payload: Record<string, string> = this.options.payloadDir
      ? { CLAW_OPT: this.options.payloadDir }
      : {};
    return guestEnv(live.root, live.adminUsername, this.options.shimsDir, {
      ...gateway,
      ...payload,
      ...this.options.env,
    });
  }

  /** Boots the guest; returns its SSH port (0 when guests are disabled). */
  async powerOn(vm: {
    vmId: string;
    root: string;
    adminUsername: string;
    firstBoot: boolean;
    preferredPort?: number;
  }): Promise<number> {
    await this.powerOff(vm.vmId);
    if (this.options.enabled === false) return 0;
    const live: Live = {
      root: vm.root,
      adminUsername: vm.adminUsername,
      boot: { state: "waiting" },
      waiters: [],
    };
    this.live.set(vm.vmId.toLowerCase(), live);
    await fs.promises.mkdir(path.join(vm.root, "run"), { recursive: true });
    await fs.promises.writeFile(path.join(vm.root, "run/boot_id"), `${randomUUID()}\n`);
    await startEnabledUnits(vm.root);
    live.gateway = await startGatewayStandIn(vm.root);
    live.ssh = await startSshServer({
      root: vm.root,
      adminUsername: vm.adminUsername,
      env: () => this.env(live),
      preferredPort: vm.preferredPort,
      log: this.log,
    });
    const delay = this.latency.durationMs(vm.firstBoot ? "guest.provision" : "guest.boot", vm.vmId);
    if (delay <= 0) this.runBoot(live);
    else live.cancelBoot = this.clock.setTimer(delay, () => this.runBoot(live));
    return live.ssh.port;
  }

  /**
   * Shuts the guest down (no-op when it is not running). Graceful (power off, deallocate, restart:
   * the OS shuts down and unmounts) unless `graceful: false` (a VM deleted while running).
   */
  async powerOff(vmId: string, o: { graceful?: boolean } = {}): Promise<void> {
    const live = this.live.get(vmId.toLowerCase());
    if (!live) return;
    this.live.delete(vmId.toLowerCase());
    live.cancelBoot?.();
    live.bootProcess?.kill("SIGKILL");
    await live.ssh?.close();
    await live.gateway?.close();
    this.settle(live, { ...live.boot, state: FINAL.includes(live.boot.state) ? live.boot.state : "off" });
    await shutDownRoot(live.root, o.graceful !== false);
  }

  /** Drops what is known about a deleted VM. */
  forget(vmId: string): void {
    this.live.delete(vmId.toLowerCase());
  }

  /**
   * Runs a script as root in a running guest (Run Command's RunShellScript), with the guest's
   * environment; undefined when the guest is not up. Output beyond `maxBytes` keeps its tail.
   */
  runScript(
    vmId: string,
    script: string,
    o: { timeoutMs?: number; maxBytes?: number } = {},
  ): Promise<{ stdout: string; stderr: string; code: number | null } | undefined> {
    const live = this.live.get(vmId.toLowerCase());
    if (!live) return Promise.resolve(undefined);
    const { timeoutMs = 90 * 60_000, maxBytes = 4096 } = o;
    const env = { ...this.env(live), HOME: path.join(live.root, "root"), USER: "root", LOGNAME: "root" };
    return new Promise((resolve) => {
      const child = spawn("bash", ["-c", script], { cwd: live.root, env, stdio: ["ignore", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const tail = (bufs: Buffer[]) => {
        const all = Buffer.concat(bufs);
        return all.subarray(Math.max(0, all.length - maxBytes)).toString("utf8");
      };
      child.on("error", (e) => {
        clearTimeout(timer);
        resolve({ stdout: "", stderr: `bash: ${e.message}`, code: 127 });
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ stdout: tail(out), stderr: tail(err), code });
      });
    });
  }

  /** Loopback SSH endpoint of a running guest. */
  endpoint(vmId: string): { host: string; port: number } | undefined {
    const live = this.live.get(vmId.toLowerCase());
    return live?.ssh ? { host: "127.0.0.1", port: live.ssh.port } : undefined;
  }

  bootStatus(vmId: string): BootResult {
    return this.live.get(vmId.toLowerCase())?.boot ?? { state: "off" };
  }

  /** Resolves when the current boot has finished (or the guest went off). */
  whenBooted(vmId: string): Promise<BootResult> {
    const live = this.live.get(vmId.toLowerCase());
    if (!live || FINAL.includes(live.boot.state)) return Promise.resolve(this.bootStatus(vmId));
    return new Promise((resolve) => live.waiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const id of [...this.live.keys()]) {
      const live = this.live.get(id)!;
      this.live.delete(id);
      live.cancelBoot?.();
      live.bootProcess?.kill("SIGKILL");
      await live.ssh?.close();
      await live.gateway?.close();
      this.settle(live, { ...live.boot, state: "off" });
    }
  }

  private runBoot(live: Live): void {
    live.cancelBoot = undefined;
    const script = path.join(
      this.options.payloadDir ?? path.join(live.root, "opt/claw"),
      "lifecycle/boot.sh",
    );
    const logFile = path.join(live.root, "var/log/openclawps-boot.log");
    if (!fs.existsSync(script)) {
      this.settle(live, { state: "no-boot-script" });
      return;
    }
    live.boot = { state: "booting", log: logFile };
    const out = fs.openSync(logFile, "a");
    const child = spawn("bash", [script], {
      cwd: live.root,
      env: this.env(live),
      stdio: ["ignore", out, out],
    });
    fs.closeSync(out);
    live.bootProcess = child;
    child.on("error", (e) => {
      this.log(`guest boot could not start: ${e.message}`);
      this.settle(live, { state: "failed", exitCode: null, log: logFile });
    });
    child.on("close", (code) => {
      live.bootProcess = undefined;
      if (![...this.live.values()].includes(live)) return; // powered off meanwhile
      this.settle(live, { state: code === 0 ? "succeeded" : "failed", exitCode: code, log: logFile });
    });
  }

  private settle(live: Live, result: BootResult): void {
    live.boot = result;
    if (!FINAL.includes(result.state)) return;
    for (const w of live.waiters.splice(0)) w(result);
  }
}

export type { InstanceSpec };
