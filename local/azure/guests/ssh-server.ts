/**
 * A guest's SSH server (ssh2) on a loopback port. Public-key auth against the admin's
 * authorized_keys in the sandbox; exec/shell run bash in the sandbox with the guest environment;
 * the sftp subsystem maps absolute guest paths under the root. The host key is read from the
 * sandbox's /etc/ssh for every connection, so when boot.sh swaps in the claw's own keys from the
 * data disk (and "restarts ssh"), clients see the claw's identity, as on a real VM.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { Server, utils, type Connection, type ServerChannel } from "ssh2";
import { serveSftp } from "./sftp";

export interface SshServerOptions {
  root: string;
  adminUsername: string;
  env: () => Record<string, string>;
  /** Try this port first (a restarted VM keeps its address). */
  preferredPort?: number;
  log: (message: string) => void;
}

export interface RunningSsh {
  port: number;
  close(): Promise<void>;
}

export async function startSshServer(opts: SshServerOptions): Promise<RunningSsh> {
  const sockets = new Set<net.Socket>();
  const children = new Set<ReturnType<typeof spawn>>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    try {
      const hostKey = fs.readFileSync(path.join(opts.root, "etc/ssh/ssh_host_ed25519_key"));
      const server = new Server({ hostKeys: [hostKey] }, (client) => handleClient(client, opts, children));
      server.injectSocket(socket);
    } catch (e) {
      opts.log(`guest ssh: cannot serve ${opts.root}: ${(e as Error).message}`);
      socket.destroy();
    }
  });
  const port = await listen(listener, opts.preferredPort);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of children) c.kill("SIGKILL");
        for (const s of sockets) s.destroy();
        listener.close(() => resolve());
      }),
  };
}

async function listen(server: net.Server, preferred?: number): Promise<number> {
  const attempt = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.removeListener("error", reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  if (preferred) {
    try {
      return await attempt(preferred);
    } catch {
      // The old port was taken meanwhile: the VM gets a new one, like a new dynamic IP.
    }
  }
  return attempt(0);
}

function allowedKeys(opts: SshServerOptions): ReturnType<typeof utils.parseKey>[] {
  const file = path.join(opts.root, "home", opts.adminUsername, ".ssh/authorized_keys");
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => utils.parseKey(l));
}

function handleClient(
  client: Connection,
  opts: SshServerOptions,
  children: Set<ReturnType<typeof spawn>>,
): void {
  client.on("error", () => undefined);
  client.on("authentication", (ctx) => {
    if (ctx.method !== "publickey" || ctx.username !== opts.adminUsername) return ctx.reject(["publickey"]);
    const match = allowedKeys(opts).find(
      (k) => !(k instanceof Error) && k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data),
    );
    if (!match || match instanceof Error) return ctx.reject(["publickey"]);
    if (ctx.signature && ctx.blob && match.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
      return ctx.reject(["publickey"]);
    }
    ctx.accept();
  });
  client.on("session", (accept) => {
    const session = accept();
    const extraEnv: Record<string, string> = {};
    session.on("env", (acc, _rej, info) => {
      extraEnv[info.key] = info.val;
      acc?.();
    });
    session.on("pty", (acc) => acc?.());
    session.on("exec", (acc, _rej, info) => run(acc(), ["-c", info.command]));
    session.on("shell", (acc) => run(acc(), ["-s"]));
    session.on("sftp", (acc) => serveSftp(acc(), opts.root, path.posix.join("/home", opts.adminUsername)));

    function run(stream: ServerChannel, args: string[]): void {
      const env = { ...opts.env(), ...extraEnv };
      const child = spawn("bash", args, { cwd: env.HOME, env, stdio: ["pipe", "pipe", "pipe"] });
      children.add(child);
      stream.pipe(child.stdin).on("error", () => undefined);
      child.stdout.pipe(stream, { end: false });
      child.stderr.pipe(stream.stderr, { end: false });
      child.on("error", (e) => {
        stream.stderr.write(`bash: ${e.message}\n`);
        stream.exit(127);
        stream.end();
      });
      child.on("close", (code, signal) => {
        children.delete(child);
        if (signal) stream.exit(signal.replace(/^SIG/, ""), false, "");
        else stream.exit(code ?? 0);
        stream.end();
      });
    }
  });
}
