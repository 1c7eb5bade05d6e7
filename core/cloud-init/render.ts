import { gzipSync } from "node:zlib";
import { clawNameProblem, imageVersionSchema } from "../domain/names";
import { ClawError } from "../errors";
import { findRuntimeDir, readPayload, type PayloadFile } from "./payload";
import { toYaml, type YamlValue } from "./yaml";

/**
 * Azure's limit on osProfile.customData: the base64 string decodes to at most 65535 bytes
 * (VirtualMachineOSProfile.customData in the Compute REST API), i.e. at most 87380 base64 characters.
 */
export const CUSTOM_DATA_MAX_BYTES = 65535;

/** Where the payload lands on the VM (the runtime scripts' CLAW_OPT default). */
export const CLAW_OPT = "/opt/claw";

/** What a claw's user-data depends on. No secrets: they arrive later over SSH. */
export interface CloudInitSpec {
  clawName: string;
  /** Gallery image version the VM is created from (x.y.z). */
  imageVersion: string;
  /** The VM's admin user (osProfile.adminUsername); it receives the secrets over SFTP. */
  adminUser?: string;
  /** IANA time zone for the VM's clock, e.g. "Europe/Berlin"; the image default when absent. */
  timeZone?: string;
  /** The runtime version the caller expects to install; must match runtime/VERSION when given. */
  runtimeVersion?: string;
}

export interface RenderedCloudInit {
  /** The #cloud-config document. */
  userData: string;
  /** userData base64-encoded, ready for osProfile.customData. */
  base64: string;
  /** Version of the app layer this user-data installs (runtime/VERSION). */
  runtimeVersion: string;
}

export interface RenderOptions {
  /** The runtime/ directory to take the payload from (default: the repository's). */
  runtimeDir?: string;
}

export const DEFAULT_ADMIN_USER = "azureuser";
const ADMIN_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
// Names Azure refuses as adminUsername, plus the agent's own user.
const RESERVED_USERS = new Set(["root", "admin", "administrator", "claw", "guest", "user", "test"]);
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;

function bad(message: string): never {
  throw new ClawError("BAD_REQUEST", `cloud-init: ${message}`);
}

function checkSpec(spec: CloudInitSpec): Required<Omit<CloudInitSpec, "timeZone" | "runtimeVersion">> {
  const nameProblem = clawNameProblem(spec.clawName);
  if (nameProblem) bad(`claw name ${nameProblem}`);
  if (!imageVersionSchema.safeParse(spec.imageVersion).success) {
    bad(`image version '${spec.imageVersion}' must be x.y.z`);
  }
  const adminUser = spec.adminUser ?? DEFAULT_ADMIN_USER;
  if (!ADMIN_USER.test(adminUser) || RESERVED_USERS.has(adminUser)) {
    bad(`admin user '${adminUser}' must be a Linux user name other than ${[...RESERVED_USERS].join(", ")}`);
  }
  if (spec.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: spec.timeZone });
    } catch {
      bad(`time zone '${spec.timeZone}' is not an IANA time zone`);
    }
  }
  return { clawName: spec.clawName, imageVersion: spec.imageVersion, adminUser };
}

function writeFileEntry(file: PayloadFile): YamlValue {
  return {
    path: `${CLAW_OPT}/${file.path}`,
    owner: "root:root",
    permissions: file.executable ? "0755" : "0644",
    encoding: "gz+b64",
    content: gzipSync(file.content, { level: 9 }).toString("base64"),
  };
}

// The app layer travels inside the user-data: every payload file gzip+base64 encoded in write_files.
// Trade-off: the VM needs no artifact store, credentials or extra network fetch, the runtime is
// exactly the one this control plane was built with, and the same spec always renders the same
// bytes (customData cannot change on an existing VM). The price is Azure's 64 KB customData limit
// (checked below; today's payload is well under it) and no sharing between VMs. A payload that outgrows
// it should move to a pinned release artifact fetched by URL and verified by SHA-256 here.
const cache = new Map<string, { version: string; files: PayloadFile[] }>();

function payloadOf(runtimeDir: string): { version: string; files: PayloadFile[] } {
  let hit = cache.get(runtimeDir);
  if (!hit) {
    const files = readPayload(runtimeDir);
    const versionFile = files.find((f) => f.path === "VERSION");
    const version = versionFile?.content.toString("utf8").trim() ?? "";
    if (!VERSION.test(version)) throw new Error(`runtime/VERSION holds no usable version: '${version}'`);
    hit = { version, files };
    cache.set(runtimeDir, hit);
  }
  return hit;
}

/**
 * Renders a claw's cloud-init user-data: writes the /opt/claw payload and the deploy record, installs
 * the app layer (install/os/install.sh) and starts claw-boot.service (boot.sh). Deterministic for a
 * given spec and runtime/. Throws BAD_REQUEST for an invalid spec or a runtimeVersion other than the
 * one carried, PAYLOAD_TOO_LARGE when the result would exceed Azure's customData limit.
 */
export function renderCloudInit(spec: CloudInitSpec, options: RenderOptions = {}): RenderedCloudInit {
  const checked = checkSpec(spec);
  const payload = payloadOf(options.runtimeDir ?? findRuntimeDir());
  if (spec.runtimeVersion !== undefined && spec.runtimeVersion !== payload.version) {
    bad(
      `runtime version ${spec.runtimeVersion} requested, but this control plane carries ${payload.version}`,
    );
  }

  const deployConf = [
    `CLAW_NAME=${checked.clawName}`,
    `CLAW_ADMIN_USER=${checked.adminUser}`,
    `CLAW_RUNTIME_VERSION=${payload.version}`,
    `CLAW_DEPLOYED_IMAGE_VERSION=${checked.imageVersion}`,
  ].join("\n");
  const install = [
    "set -euo pipefail",
    // Images baked by packer/ record their version; an older image gets the deployed one.
    `[ -s /etc/openclawps/image-version ] || echo ${checked.imageVersion} >/etc/openclawps/image-version`,
    `${CLAW_OPT}/install/os/install.sh`,
    // --no-block: claw-boot.service may be ordered after cloud-init's own units.
    "systemctl start --no-block claw-boot.service",
  ].join("\n");

  const doc: { [key: string]: YamlValue } = {};
  if (spec.timeZone !== undefined) doc.timezone = spec.timeZone;
  doc.write_files = [
    {
      path: "/etc/openclawps/deploy.conf",
      owner: "root:root",
      permissions: "0644",
      content: `${deployConf}\n`,
    },
    ...payload.files.map(writeFileEntry),
  ];
  doc.runcmd = [["bash", "-c", install]];
  doc.final_message = `claw ${checked.clawName}: runtime ${payload.version} installed after $UPTIME s`;

  const userData = toYaml(doc, [
    "#cloud-config",
    `# OpenClawps claw ${checked.clawName}: runtime ${payload.version} on image ${checked.imageVersion}.`,
    "# Generated by core/cloud-init; holds no secrets (they are delivered over SSH after boot).",
  ]);
  const bytes = Buffer.byteLength(userData, "utf8");
  if (bytes > CUSTOM_DATA_MAX_BYTES) {
    throw new ClawError(
      "PAYLOAD_TOO_LARGE",
      `cloud-init: user-data is ${bytes} bytes, over Azure's customData limit of ${CUSTOM_DATA_MAX_BYTES}`,
      { details: { bytes, limit: CUSTOM_DATA_MAX_BYTES } },
    );
  }
  return {
    userData,
    base64: Buffer.from(userData, "utf8").toString("base64"),
    runtimeVersion: payload.version,
  };
}
