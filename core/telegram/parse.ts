/**
 * Chat text → a typed chat command. Input is untrusted: anything that is not exactly one of the
 * commands below, with its arguments valid, becomes a short usage line and nothing else happens.
 * Names and versions are checked with the same rules the command handler applies, so the operator
 * hears what is wrong before being asked to confirm.
 */
import { clawNameProblem, imageVersionSchema } from "../domain/names";

export type ChatCommand =
  | { name: "fleet" }
  | { name: "claw"; claw: string }
  | { name: "deploy"; claw: string; version?: string }
  | { name: "upgrade"; claw: string; version: string }
  | { name: "refresh"; claw: string }
  | { name: "park"; claw: string; force?: boolean }
  | { name: "wake"; claw: string; hours?: number }
  | { name: "verify"; claw: string }
  | { name: "destroy"; claw: string }
  | { name: "rollout"; version: string }
  | { name: "ops"; claw?: string }
  | { name: "help" };

export type ChatCommandName = ChatCommand["name"];

/** One line per command: what /help shows and what a wrong call is answered with. */
export const USAGE: Record<ChatCommandName, string> = {
  fleet: "/fleet — every claw: power, image, last verify, schedule",
  claw: "/claw NAME — one claw in detail",
  deploy: "/deploy NAME [VERSION] — create the claw's VM from its spec (asks to confirm)",
  upgrade:
    "/upgrade NAME VERSION — move the claw to image VERSION on a new VM, keep the disk (asks to confirm)",
  refresh:
    "/refresh NAME — a new VM of the same image with the current app layer, keep the disk (asks to confirm)",
  park: "/park NAME [force] — deallocate the VM; waits while the agent is mid-task unless force (asks to confirm)",
  wake: "/wake NAME [HOURS] — start the VM; with HOURS, keep it awake that long",
  verify: "/verify NAME — run the claw's health checks",
  destroy: "/destroy NAME — delete the VM, keep the data disk (asks to confirm)",
  rollout: "/rollout VERSION — upgrade the fleet: one canary, then your approval (asks to confirm)",
  ops: "/ops [NAME] — recent operations",
  help: "/help — this list",
};

/** Longest message the bot reads; anything longer is refused unread. */
export const MAX_COMMAND_TEXT = 200;
export const MAX_WAKE_HOURS = 168;

export type ParseResult =
  | { kind: "command"; command: ChatCommand }
  /** A command the bot refuses: `reply` says how to call it; `name` is the command as typed. */
  | { kind: "usage"; name: string; reply: string }
  /** Not for this bot: plain chatter, or a command addressed to another bot in a group. */
  | { kind: "ignore" };

const ALIASES: Record<string, ChatCommandName> = { start: "help" };

function usage(name: string, problem: string, cmd?: ChatCommandName): ParseResult {
  const how = cmd ? USAGE[cmd] : "/help lists the commands";
  return { kind: "usage", name, reply: `${problem}\nUsage: ${how}` };
}

function versionProblem(v: string): string | undefined {
  const r = imageVersionSchema.safeParse(v);
  return r.success ? undefined : (r.error.issues[0]?.message ?? "is not a version");
}

/**
 * Parses one message. `botUsername` lets "/fleet@thisbot" through and ignores "/fleet@otherbot".
 * Problems name the argument and quote at most 40 characters of it.
 */
export function parseChatCommand(text: string, botUsername?: string): ParseResult {
  const trimmed = text.trim();
  if (!trimmed.startsWith("/")) return { kind: "ignore" };
  const [head, ...args] = trimmed.split(/\s+/);
  const at = head.indexOf("@");
  const typed = (at < 0 ? head.slice(1) : head.slice(1, at)).toLowerCase();
  const addressee = at < 0 ? undefined : head.slice(at + 1);
  if (addressee !== undefined && botUsername && addressee.toLowerCase() !== botUsername.toLowerCase()) {
    return { kind: "ignore" };
  }
  const shown = typed.slice(0, 32);
  if (trimmed.length > MAX_COMMAND_TEXT) {
    return usage(shown, `That message is too long (over ${MAX_COMMAND_TEXT} characters).`);
  }
  const name = (ALIASES[typed] ?? typed) as ChatCommandName;
  if (!Object.hasOwn(USAGE, name)) return usage(shown, `Unknown command /${shown}.`);
  return parseArgs(name, args);
}

const quote = (s: string) => `'${s.slice(0, 40)}'`;

/** How many arguments each command takes: [at least, at most]. */
const ARITY: Record<ChatCommandName, [number, number]> = {
  fleet: [0, 0],
  help: [0, 0],
  claw: [1, 1],
  deploy: [1, 2],
  upgrade: [2, 2],
  refresh: [1, 1],
  park: [1, 2],
  wake: [1, 2],
  verify: [1, 1],
  destroy: [1, 1],
  rollout: [1, 1],
  ops: [0, 1],
};

function parseArgs(name: ChatCommandName, args: string[]): ParseResult {
  const [min, max] = ARITY[name];
  if (args.length < min) return usage(name, "Missing an argument.", name);
  if (args.length > max) return usage(name, "Too many arguments.", name);
  if (name === "fleet" || name === "help") return { kind: "command", command: { name } };
  if (name === "rollout") {
    const p = versionProblem(args[0]);
    if (p) return usage(name, `Version ${quote(args[0])}: ${p}.`, name);
    return { kind: "command", command: { name, version: args[0] } };
  }
  const claw = args[0];
  if (claw !== undefined) {
    const p = clawNameProblem(claw);
    if (p) return usage(name, `Claw name ${quote(claw)}: ${p}.`, name);
  }
  const second = args[1];
  switch (name) {
    case "ops":
      return { kind: "command", command: claw === undefined ? { name } : { name, claw } };
    case "deploy":
    case "upgrade": {
      if (second !== undefined) {
        const p = versionProblem(second);
        if (p) return usage(name, `Version ${quote(second)}: ${p}.`, name);
      }
      return name === "upgrade"
        ? { kind: "command", command: { name, claw, version: second! } }
        : { kind: "command", command: second ? { name, claw, version: second } : { name, claw } };
    }
    case "wake": {
      if (second === undefined) return { kind: "command", command: { name, claw } };
      const hours = Number(second);
      if (!/^\d+(\.\d+)?$/.test(second) || !(hours > 0) || hours > MAX_WAKE_HOURS) {
        return usage(
          name,
          `Hours ${quote(second)}: must be a number more than 0 and at most ${MAX_WAKE_HOURS}.`,
          name,
        );
      }
      return { kind: "command", command: { name, claw, hours } };
    }
    case "park":
      if (second === undefined) return { kind: "command", command: { name, claw } };
      if (second.toLowerCase() !== "force")
        return usage(name, `Unknown option ${quote(second)}: only force.`, name);
      return { kind: "command", command: { name, claw, force: true } };
    default:
      return { kind: "command", command: { name, claw } as ChatCommand };
  }
}

/** The /help text (plain; the caller escapes it). */
export function helpText(): string {
  return ["OpenClawps operator bot. Commands:", ...Object.values(USAGE)].join("\n");
}
