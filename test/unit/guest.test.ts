import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { timingSafeEqual } from "node:crypto";
import { Server, utils, type ServerChannel, type SFTPWrapper } from "ssh2";
import { afterEach, describe, expect, it } from "vitest";
import {
  APPLY_SECRETS_COMMAND,
  createGuestClient,
  createGuestClientFactory,
  hostKeyFingerprint,
  renderSecretsFile,
  VERIFY_COMMAND,
  type GuestClientOptions,
} from "../../core/guest";
import { clawError } from "../helpers/errors";
import { generateSshKeyPair } from "../../core/guest/keys";

const { OPEN_MODE, STATUS_CODE } = utils.sftp;
const clientKey = generateSshKeyPair();
const hostA = generateSshKeyPair();
const hostB = generateSshKeyPair();
const fingerprintOf = (pub: string) =>
  hostKeyFingerprint((utils.parseKey(pub) as { getPublicSSH(): Buffer }).getPublicSSH());

type ExecHandler = (command: string, stream: ServerChannel) => void;

interface TestGuest {
  port: number;
  root: string;
  commands: string[];
  /** User names that were let in. */
  users: string[];
  close(): Promise<void>;
}

/** A tiny SSH server on 127.0.0.1: key auth, exec by handler, SFTP mapped under a temp root. */
async function startGuest(opts: {
  hostKey: string;
  onExec?: ExecHandler;
  port?: number;
}): Promise<TestGuest> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "guest-"));
  const allowed = utils.parseKey(clientKey.public) as {
    type: string;
    getPublicSSH(): Buffer;
    verify(d: Buffer, s: Buffer, h?: string): boolean;
  };
  const commands: string[] = [];
  const users: string[] = [];
  const connections = new Set<{ end(): void }>();
  const server = new Server({ hostKeys: [opts.hostKey] }, (client) => {
    connections.add(client);
    client.on("close", () => connections.delete(client));
    client.on("authentication", (ctx) => {
      if (ctx.method === "publickey") {
        const pub = allowed.getPublicSSH();
        const match =
          ctx.key.algo === allowed.type &&
          ctx.key.data.length === pub.length &&
          timingSafeEqual(ctx.key.data, pub);
        if (match && (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo))) {
          if (ctx.signature) users.push(ctx.username);
          return ctx.accept();
        }
      }
      ctx.reject(["publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (accept) => {
        const session = accept();
        session.on("exec", (acc, _rej, info) => {
          commands.push(info.command);
          const stream = acc();
          (opts.onExec ?? defaultExec)(info.command, stream);
        });
        session.on("sftp", (acc) => serveSftp(acc(), root));
      });
    });
    client.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    root,
    commands,
    users,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.end();
        server.close(() => resolve());
        fs.rmSync(root, { recursive: true, force: true });
      }),
  };
}

function defaultExec(command: string, stream: ServerChannel): void {
  if (command === "echo hello") {
    stream.write("hello\n");
    stream.stderr.write("warn\n");
    stream.exit(0);
  } else {
    stream.stderr.write(`unknown command\n`);
    stream.exit(127);
  }
  stream.end();
}

function serveSftp(sftp: SFTPWrapper, root: string): void {
  const fds = new Map<number, number>();
  let next = 1;
  const map = (p: string) => path.join(root, p);
  const ok = (reqid: number, fn: () => void) => {
    try {
      fn();
      sftp.status(reqid, STATUS_CODE.OK);
    } catch (e) {
      sftp.status(
        reqid,
        (e as NodeJS.ErrnoException).code === "ENOENT" ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE,
      );
    }
  };
  const fdOf = (h: Buffer) => fds.get(h.readUInt32BE(0)) as number;
  sftp.on("OPEN", (reqid, filename, flags, attrs) => {
    try {
      let f = fs.constants.O_WRONLY;
      if (flags & OPEN_MODE.CREAT) f |= fs.constants.O_CREAT;
      if (flags & OPEN_MODE.TRUNC) f |= fs.constants.O_TRUNC;
      const fd = fs.openSync(map(filename), f, attrs.mode ?? 0o644);
      const h = Buffer.alloc(4);
      h.writeUInt32BE(next);
      fds.set(next++, fd);
      sftp.handle(reqid, h);
    } catch {
      sftp.status(reqid, STATUS_CODE.FAILURE);
    }
  });
  sftp.on("WRITE", (reqid, h, offset, data) =>
    ok(reqid, () => fs.writeSync(fdOf(h), data, 0, data.length, offset)),
  );
  sftp.on("FSETSTAT", (reqid, h, attrs) =>
    ok(reqid, () => attrs.mode !== undefined && fs.fchmodSync(fdOf(h), attrs.mode)),
  );
  sftp.on("CLOSE", (reqid, h) => ok(reqid, () => fs.closeSync(fdOf(h))));
  sftp.on("MKDIR", (reqid, p, attrs) => ok(reqid, () => fs.mkdirSync(map(p), { mode: attrs.mode ?? 0o755 })));
  sftp.on("STAT", (reqid, p) => {
    try {
      const st = fs.statSync(map(p));
      sftp.attrs(reqid, { mode: st.mode, uid: 0, gid: 0, size: st.size, atime: 0, mtime: 0 });
    } catch {
      sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    }
  });
  sftp.on("REMOVE", (reqid, p) => ok(reqid, () => fs.unlinkSync(map(p))));
  // Like OpenSSH's plain rename: refuses to replace an existing file.
  sftp.on("RENAME", (reqid, from, to) =>
    ok(reqid, () => {
      if (fs.existsSync(map(to))) throw new Error("exists");
      fs.renameSync(map(from), map(to));
    }),
  );
}

const guests: TestGuest[] = [];
async function guest(opts: Parameters<typeof startGuest>[0]): Promise<TestGuest> {
  const g = await startGuest(opts);
  guests.push(g);
  return g;
}
afterEach(async () => {
  await Promise.all(guests.splice(0).map((g) => g.close()));
});

function client(port: number | (() => number), extra: Partial<GuestClientOptions> = {}) {
  return createGuestClient({
    address: "20.0.0.7",
    resolveEndpoint: async () => ({ host: "127.0.0.1", port: typeof port === "number" ? port : port() }),
    username: "clawadmin",
    privateKey: clientKey.private,
    connectTimeoutMs: 5000,
    retry: { attempts: 3, delayMs: 20 },
    execTimeoutMs: 5000,
    ...extra,
  });
}

describe("guest exec", () => {
  it("exec: returns the exit code, stdout and stderr", async () => {
    const g = await guest({ hostKey: hostA.private });
    const c = client(g.port);
    expect(await c.exec("echo hello")).toEqual({ code: 0, stdout: "hello\n", stderr: "warn\n" });
    expect(await c.exec("nope")).toMatchObject({ code: 127, stderr: "unknown command\n" });
  });

  it("session: several commands over one connection (one handshake), results as exec gives them", async () => {
    const g = await guest({ hostKey: hostA.private });
    const c = client(g.port);
    const results = await c.session(async (exec) => [
      await exec("echo hello"),
      await exec("nope"),
      await exec("echo hello"),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 127, 0]);
    expect(results[0]).toEqual({ code: 0, stdout: "hello\n", stderr: "warn\n" });
    expect(g.commands).toEqual(["echo hello", "nope", "echo hello"]);
    expect(g.users).toHaveLength(1);
    // exec opens a connection per command.
    await c.exec("echo hello");
    await c.exec("echo hello");
    expect(g.users).toHaveLength(3);
  });

  it("exec: a command that never ends fails with a retryable timeout", async () => {
    const g = await guest({ hostKey: hostA.private, onExec: () => {} });
    const e = await clawError(client(g.port).exec("sleep forever", { timeoutMs: 300 }));
    expect(e.code).toBe("SSH_ERROR");
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/timed out after 300 ms/);
  });

  it("exec: a connection that drops mid-command is an error, not exit code -1", async () => {
    const g = await guest({ hostKey: hostA.private, onExec: (_c, s) => s.close() });
    expect((await clawError(client(g.port).exec("x"))).message).toMatch(/ended before the command finished/);
  });

  it("exec: a key the guest does not accept is 'authentication refused'", async () => {
    const g = await guest({ hostKey: hostA.private });
    const other = generateSshKeyPair();
    const e = await clawError(client(g.port, { privateKey: other.private }).exec("echo hello"));
    expect(e.code).toBe("SSH_ERROR");
    expect(e.message).toMatch(/authentication refused/);
  });
});

describe("guest waitForSsh", () => {
  it("waitForSsh: retries while the server is not yet listening", async () => {
    const port = await freePort();
    const log: string[] = [];
    const c = client(port, { retry: { attempts: 50, delayMs: 50 }, log: (m) => log.push(m) });
    const waiting = c.waitForSsh();
    await new Promise((r) => setTimeout(r, 300));
    await guest({ hostKey: hostA.private, port });
    const r = await waiting;
    expect(r.attempts).toBeGreaterThan(1);
    expect(r.hostKeySha256).toBe(fingerprintOf(hostA.public));
    expect(c.hostKeySha256).toBe(fingerprintOf(hostA.public));
    expect(log.some((l) => /attempt 1\/50 failed/.test(l))).toBe(true);
  });

  it("waitForSsh: gives up after the attempts with a retryable SSH_ERROR", async () => {
    const port = await freePort();
    const e = await clawError(client(port, { retry: { attempts: 2, delayMs: 10 } }).waitForSsh());
    expect(e.code).toBe("SSH_ERROR");
    expect(e.retryable).toBe(true);
  });

  it("waitForSsh: waits through a replacement VM's own key until the claw's key is back", async () => {
    const a = await guest({ hostKey: hostA.private });
    const b = await guest({ hostKey: hostB.private });
    let calls = 0;
    const c = client(() => (++calls <= 2 ? b.port : a.port), {
      hostKeySha256: fingerprintOf(hostA.public),
      retry: { attempts: 5, delayMs: 10 },
    });
    expect((await c.waitForSsh()).attempts).toBe(3);
  });
});

describe("guest host key pinning", () => {
  it("exec: pins the first host key and refuses a different one afterwards", async () => {
    const a = await guest({ hostKey: hostA.private });
    const b = await guest({ hostKey: hostB.private });
    let port = a.port;
    const c = client(() => port);
    expect(c.hostKeySha256).toBeUndefined();
    await c.exec("echo hello");
    expect(c.hostKeySha256).toBe(fingerprintOf(hostA.public));
    port = b.port;
    const e = await clawError(c.exec("echo hello"));
    expect(e.code).toBe("SSH_ERROR");
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/host key of 20\.0\.0\.7 changed: pinned SHA256:.+, offered SHA256:/);
    expect(b.commands).toEqual([]);
  });

  it("waitForSsh: a key that never matches ends in 'host key changed'", async () => {
    const b = await guest({ hostKey: hostB.private });
    const c = client(b.port, {
      hostKeySha256: fingerprintOf(hostA.public),
      retry: { attempts: 2, delayMs: 10 },
    });
    expect((await clawError(c.waitForSsh())).message).toMatch(/host key .* changed/);
  });

  it("hostKeyFingerprint: matches ssh-keygen's SHA256 form", () => {
    expect(fingerprintOf(hostA.public)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe("guest files and secrets", () => {
  it("putFile: writes 0600 by default, replaces an existing file, leaves no temp file", async () => {
    const g = await guest({ hostKey: hostA.private });
    const c = client(g.port);
    await c.putFile("/note.txt", "one");
    await c.putFile("/note.txt", "two");
    const file = path.join(g.root, "note.txt");
    expect(fs.readFileSync(file, "utf8")).toBe("two");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(g.root)).toEqual(["note.txt"]);
    await c.putFile("/script.sh", Buffer.alloc(100_000, 65), 0o755);
    expect(fs.statSync(path.join(g.root, "script.sh")).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(g.root, "script.sh")).size).toBe(100_000);
  });

  it("deliverSecrets: writes claw.env 0600 on the data disk and runs apply-secrets.sh", async () => {
    const g = await guest({
      hostKey: hostA.private,
      onExec: (_cmd, s) => {
        s.exit(0);
        s.end();
      },
    });
    fs.mkdirSync(path.join(g.root, "mnt/claw-data"), { recursive: true });
    const log: string[] = [];
    await client(g.port, { log: (m) => log.push(m) }).deliverSecrets({
      TELEGRAM_BOT_TOKEN: "123:abcSECRET",
      ANTHROPIC_API_KEY: "sk-ant-XYZ",
    });
    const file = path.join(g.root, "mnt/claw-data/secrets/claw.env");
    expect(fs.readFileSync(file, "utf8")).toBe(
      "ANTHROPIC_API_KEY=sk-ant-XYZ\nTELEGRAM_BOT_TOKEN=123:abcSECRET\n",
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(g.commands).toEqual([APPLY_SECRETS_COMMAND]);
    expect(log.join("\n")).not.toMatch(/SECRET|XYZ/);
  });

  it("deliverSecrets: a failing apply-secrets.sh is an error with secret values redacted", async () => {
    const g = await guest({
      hostKey: hostA.private,
      onExec: (_cmd, s) => {
        s.stderr.write("apply-secrets.sh: bad token 123:abcSECRET\n");
        s.exit(1);
        s.end();
      },
    });
    fs.mkdirSync(path.join(g.root, "mnt/claw-data/secrets"), { recursive: true });
    const e = await clawError(client(g.port).deliverSecrets({ TELEGRAM_BOT_TOKEN: "123:abcSECRET" }));
    expect(e.message).toContain("exited 1: apply-secrets.sh: bad token [REDACTED]");
    expect(e.message).not.toContain("abcSECRET");
  });

  it("deliverSecrets: refuses a value with a line break without echoing it", async () => {
    const e = await clawError(client(1).deliverSecrets({ A_KEY: "line1\nEVIL=1" }));
    expect(e.message).toBe("secret A_KEY contains a line break or NUL");
    expect(() => renderSecretsFile({ "bad-key": "v" })).toThrow(/secret name 'bad-key'/);
  });

  it("deliverSecrets: a missing data disk mount is a clear error", async () => {
    const g = await guest({ hostKey: hostA.private });
    expect((await clawError(client(g.port).deliverSecrets({ K: "vvvv" }))).message).toMatch(
      /cannot create \/mnt\/claw-data\/secrets/,
    );
  });
});

describe("guest verify", () => {
  const good = {
    ok: true,
    checks: [
      { name: "gateway", ok: true, detail: "200" },
      { name: "tailscale", ok: false, detail: "no key", optional: true },
    ],
    imageVersion: "1.2.3",
    runtimeVersion: "0.4.0",
    updateVersion: "003",
  };
  const verifyGuest = (stdout: string, code: number) =>
    guest({
      hostKey: hostA.private,
      onExec: (cmd, s) => {
        if (cmd !== VERIFY_COMMAND) s.exit(99);
        else {
          s.write(stdout);
          s.exit(code);
        }
        s.end();
      },
    });

  it("runVerify: runs verify.sh as the guest contract says and parses its JSON", async () => {
    const g = await verifyGuest(JSON.stringify(good), 0);
    const r = await client(g.port).runVerify();
    expect(r).toEqual({ ...good, exitCode: 0 });
    expect(VERIFY_COMMAND).toBe(`bash -c '"\${CLAW_OPT:-/opt/claw}/lifecycle/verify.sh"'`);
  });

  it("runVerify: failing checks come back as ok=false, not as an error", async () => {
    const failing = { ...good, ok: false, checks: [{ name: "gateway", ok: false, detail: "down" }] };
    const g = await verifyGuest(JSON.stringify(failing), 1);
    expect(await client(g.port).runVerify()).toMatchObject({ ok: false, exitCode: 1 });
  });

  it("runVerify: ok=true with a non-zero exit is not a pass", async () => {
    const g = await verifyGuest(JSON.stringify(good), 2);
    expect((await client(g.port).runVerify()).ok).toBe(false);
  });

  it("runVerify: output that is not JSON is VERIFY_FAILED saying what came back", async () => {
    const g = await verifyGuest("bash: verify.sh: No such file", 127);
    const e = await clawError(client(g.port).runVerify());
    expect(e.code).toBe("VERIFY_FAILED");
    expect(e.message).toBe("verify.sh did not print JSON: got 'bash: verify.sh: No such file' (exit 127)");
  });

  it("runVerify: JSON of the wrong shape names the field", async () => {
    const g = await verifyGuest(JSON.stringify({ ...good, imageVersion: undefined }), 0);
    expect((await clawError(client(g.port).runVerify())).message).toMatch(
      /unexpected JSON: imageVersion: is required/,
    );
  });
});

/** A port nothing listens on right now (the kernel's pick, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe("guest client factory", () => {
  it("createGuestClientFactory: uses the configured user, the store's SSH key and the endpoint map", async () => {
    const g = await guest({ hostKey: hostA.private });
    const http = await import("node:http");
    const mapServer = http.createServer((_q, res) =>
      res.end(JSON.stringify({ alice: `127.0.0.1:${g.port}` })),
    );
    await new Promise<void>((r) => mapServer.listen(0, "127.0.0.1", r));
    try {
      const ssh = {
        adminUsername: "clawadmin",
        endpointMapUrl: `http://127.0.0.1:${(mapServer.address() as net.AddressInfo).port}/_emulator/ssh-endpoints`,
        connectTimeoutMs: 5000,
        retry: { attempts: 2, delayMs: 10 },
        execTimeoutMs: 5000,
      };
      let reads = 0;
      const guestFor = createGuestClientFactory(
        { ssh },
        { getControlPlaneSshKey: async () => (reads++, clientKey.private) },
      );
      const c = await guestFor({ address: "alice" });
      expect((await c.exec("echo hello")).stdout).toBe("hello\n");
      expect(c.hostKeySha256).toBe(fingerprintOf(hostA.public));
      expect(reads).toBe(1);
      expect(g.users).toEqual(["clawadmin"]);
    } finally {
      await new Promise((r) => mapServer.close(r));
    }
  });
});
