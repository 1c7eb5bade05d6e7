import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUSTOM_DATA_MAX_BYTES, findRuntimeDir, readPayload, renderCloudInit } from "../../core/cloud-init";
import { ClawError } from "../../core/errors";

const SPEC = { clawName: "alice", imageVersion: "1.2.3", adminUser: "clawadmin", timeZone: "Europe/Berlin" };
const runtimeDir = findRuntimeDir();
const runtimeVersion = fs.readFileSync(path.join(runtimeDir, "VERSION"), "utf8").trim();
let tmp = "";

/** Where cloud-init lives; the suite needs it (CI installs it: apt-get install cloud-init). */
function cloudInitBin(): string {
  const found = spawnSync("sh", ["-c", "command -v cloud-init"], { encoding: "utf8" }).stdout.trim();
  if (!found)
    throw new Error("cloud-init is not installed (apt-get install cloud-init); .ci/run installs it");
  return found;
}

/** Runs `cloud-init schema` over a document; returns its exit status and output. */
function schema(userData: string): { status: number | null; output: string } {
  const file = path.join(tmp, `user-data-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, userData);
  const r = spawnSync(cloudInitBin(), ["schema", "--config-file", file], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const loaded = new Map<string, Record<string, unknown>>();

/** Parses YAML with cloud-init's own loader (PyYAML in cloud-init's Python), as the VM will. */
function loadLikeCloudInit(userData: string): Record<string, unknown> {
  const hit = loaded.get(userData);
  if (hit) return hit;
  const python = fs
    .readFileSync(cloudInitBin(), "utf8")
    .split("\n")[0]
    .replace(/^#!\s*/, "")
    .split(/\s+/);
  const out = execFileSync(
    python[0],
    [...python.slice(1), "-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"],
    { input: userData, encoding: "utf8" },
  );
  const doc = JSON.parse(out) as Record<string, unknown>;
  loaded.set(userData, doc);
  return doc;
}

interface WriteFile {
  path: string;
  owner?: string;
  permissions: string;
  encoding?: string;
  content: string;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-init-test-"));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("renderCloudInit", () => {
  it("renderCloudInit: passes cloud-init's schema check", () => {
    const { userData } = renderCloudInit(SPEC);
    const r = schema(userData);
    expect(r.output).toContain("Valid cloud-config");
    expect(r.status).toBe(0);
  });

  it("schema check: rejects a broken document (the check above can fail)", () => {
    const r = schema("#cloud-config\nwrite_files:\n  - path: 3\n    encodingx: gz+b64\n");
    expect(r.status).not.toBe(0);
  });

  it("renderCloudInit: stays under Azure's customData limit and base64 is the user-data", () => {
    const r = renderCloudInit(SPEC);
    expect(Buffer.byteLength(r.userData)).toBeLessThanOrEqual(CUSTOM_DATA_MAX_BYTES);
    expect(r.base64.length).toBeLessThanOrEqual(87380);
    expect(Buffer.from(r.base64, "base64").toString("utf8")).toBe(r.userData);
    expect(r.userData.startsWith("#cloud-config\n")).toBe(true);
  });

  it("renderCloudInit: writes every payload file byte for byte, with its mode, under /opt/claw", () => {
    const doc = loadLikeCloudInit(renderCloudInit(SPEC).userData);
    const files = doc.write_files as WriteFile[];
    const payload = readPayload(runtimeDir);
    expect(payload.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        "VERSION",
        "lifecycle/boot.sh",
        "lifecycle/verify.sh",
        "install/os/install.sh",
      ]),
    );
    for (const file of payload) {
      const entry = files.find((w) => w.path === `/opt/claw/${file.path}`);
      expect(entry, file.path).toBeDefined();
      expect(entry?.encoding).toBe("gz+b64");
      expect(gunzipSync(Buffer.from(entry?.content ?? "", "base64")).equals(file.content), file.path).toBe(
        true,
      );
      expect(entry?.permissions).toBe(file.executable ? "0755" : "0644");
    }
    expect(files.find((w) => w.path === "/opt/claw/lifecycle/boot.sh")?.permissions).toBe("0755");
  });

  it("renderCloudInit: records the runtime version and the deploy, installs the app layer and starts boot", () => {
    const r = renderCloudInit(SPEC);
    expect(r.runtimeVersion).toBe(runtimeVersion);
    const doc = loadLikeCloudInit(r.userData);
    const conf = (doc.write_files as WriteFile[]).find((w) => w.path === "/etc/openclawps/deploy.conf");
    expect(conf?.content).toBe(
      `CLAW_NAME=alice\nCLAW_ADMIN_USER=clawadmin\nCLAW_RUNTIME_VERSION=${runtimeVersion}\nCLAW_DEPLOYED_IMAGE_VERSION=1.2.3\n`,
    );
    expect(doc.timezone).toBe("Europe/Berlin");
    const [cmd] = doc.runcmd as string[][];
    expect(cmd.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(cmd[2]).toContain("set -euo pipefail");
    expect(cmd[2].indexOf("/opt/claw/install/os/install.sh")).toBeLessThan(
      cmd[2].indexOf("claw-boot.service"),
    );
  });

  it("renderCloudInit: the same spec renders the same bytes", () => {
    expect(renderCloudInit(SPEC).base64).toBe(renderCloudInit({ ...SPEC }).base64);
    expect(renderCloudInit(SPEC).base64).not.toBe(renderCloudInit({ ...SPEC, clawName: "bob" }).base64);
  });

  it("renderCloudInit: defaults the admin user and leaves the time zone to the image", () => {
    const doc = loadLikeCloudInit(renderCloudInit({ clawName: "alice", imageVersion: "1.2.3" }).userData);
    expect(doc.timezone).toBeUndefined();
    const conf = (doc.write_files as WriteFile[]).find((w) => w.path === "/etc/openclawps/deploy.conf");
    expect(conf?.content).toContain("CLAW_ADMIN_USER=azureuser\n");
  });

  it("renderCloudInit: carries no secrets", () => {
    const { userData } = renderCloudInit(SPEC);
    const decoded = (loadLikeCloudInit(userData).write_files as WriteFile[]).map((w) =>
      w.encoding === "gz+b64" ? gunzipSync(Buffer.from(w.content, "base64")).toString("utf8") : w.content,
    );
    for (const text of [userData, ...decoded]) {
      // Key names appear in the scripts; an assignment with a value never does.
      expect(text).not.toMatch(/^(TELEGRAM_BOT_TOKEN|[A-Z]+_API_KEY|TAILSCALE_AUTHKEY)=\S/m);
      expect(text).not.toMatch(/sk-ant-|tskey-auth-|-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    }
  });

  it.each([
    [{ ...SPEC, clawName: "Alice" }, /claw name must be lower-case/],
    [{ ...SPEC, clawName: "a;rm -rf" }, /claw name may contain only/],
    [{ ...SPEC, imageVersion: "1.2" }, /image version '1.2' must be x.y.z/],
    [{ ...SPEC, adminUser: "root" }, /admin user 'root'/],
    [{ ...SPEC, adminUser: "bad user" }, /admin user 'bad user'/],
    [{ ...SPEC, timeZone: "Mars/Olympus" }, /time zone 'Mars\/Olympus'/],
    [{ ...SPEC, runtimeVersion: "0.0.1" }, /runtime version 0.0.1 requested/],
  ])("renderCloudInit: rejects an invalid spec (%#)", (spec, message) => {
    let caught: unknown;
    try {
      renderCloudInit(spec);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ClawError);
    expect((caught as ClawError).code).toBe("BAD_REQUEST");
    expect((caught as ClawError).message).toMatch(message);
  });

  it("renderCloudInit: accepts the runtime version it carries", () => {
    expect(renderCloudInit({ ...SPEC, runtimeVersion }).runtimeVersion).toBe(runtimeVersion);
  });

  it("renderCloudInit: refuses a payload that would exceed the customData limit", () => {
    const big = path.join(tmp, "runtime");
    fs.cpSync(runtimeDir, big, { recursive: true });
    // Random bytes do not compress: 60 KB of them cannot fit once base64-encoded.
    fs.writeFileSync(path.join(big, "defaults", "blob.bin"), randomBytes(60_000));
    let caught: unknown;
    try {
      renderCloudInit(SPEC, { runtimeDir: big });
    } catch (e) {
      caught = e;
    }
    expect((caught as ClawError).code).toBe("PAYLOAD_TOO_LARGE");
    expect((caught as ClawError).message).toMatch(/over Azure's customData limit of 65535/);
  });
});
