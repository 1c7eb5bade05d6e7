/**
 * The webhook and the read-only commands, end to end through the HTTP handler: real update JSON,
 * real Azurite tables, the fake Bot API on loopback receiving the answers (read-only answers and
 * refusals as the webhook reply in the handler's response, which the fake runs as Telegram does).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../helpers/azurite";
import { spec } from "../api/fakes";
import { checkHtml } from "../../local/telegram-fake/html-check";
import { botFixture, OPERATOR, OPERATORS_CHAT, SECRET, STRANGER, type BotFixture } from "./fixture";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite({ table: true, queue: false });
});
afterAll(async () => {
  await azurite?.close();
});

async function withBot(fn: (b: BotFixture) => Promise<void>, opts?: Parameters<typeof botFixture>[1]) {
  const b = await botFixture(azurite.connectionString, opts);
  try {
    await fn(b);
  } finally {
    await b.close();
  }
}

describe("telegram webhook: the secret token", () => {
  it("webhook: a wrong or missing secret token answers 401 and nothing is sent or written", () =>
    withBot(async (b) => {
      const update = b.fake.updates.text(OPERATOR, "/fleet");
      expect((await b.post(update, "not-the-secret")).status).toBe(401);
      expect((await b.post(update, null)).status).toBe(401);
      expect((await b.post(update, `${SECRET}x`)).status).toBe(401);
      expect(b.fake.state.calls).toEqual([]);
      expect(await b.deps.commands.state.audit.recent()).toEqual([]);
    }));

  it("webhook: without a configured secret it refuses every update (503), never accepts all", () =>
    withBot(
      async (b) => {
        const res = await b.post(b.fake.updates.text(OPERATOR, "/fleet"), "");
        expect(res.status).toBe(503);
        expect(b.fake.state.calls).toEqual([]);
      },
      { settings: { webhookSecret: undefined } },
    ));

  it("webhook: a body that is not JSON or not an update answers 400", () =>
    withBot(async (b) => {
      expect((await b.post("{not json")).status).toBe(400);
      expect((await b.post({ hello: 1 })).status).toBe(400);
      // A text that is not a string is answered plainly, not as a control-plane failure.
      const u = b.fake.updates.text(OPERATOR, "/fleet");
      const odd = await b.post({ ...u, message: { ...u.message, text: 42 } });
      expect(odd.status).toBe(400);
      expect(String(odd.body)).toBe("the body is not a Telegram update: message.text must be a string");
      expect(b.fake.state.calls).toEqual([]);
    }));

  it("webhook: updates the bot does not handle (an edited message) answer 204 quietly", () =>
    withBot(async (b) => {
      const u = b.fake.updates.text(OPERATOR, "/fleet");
      const edited = { update_id: u.update_id, edited_message: u.message };
      expect((await b.post(edited)).status).toBe(204);
      expect(b.fake.state.callsOf("sendMessage")).toEqual([]);
    }));
});

describe("telegram webhook: strangers", () => {
  it("stranger: gets one polite refusal with their id; every attempt is audited; nothing else is written", () =>
    withBot(async (b) => {
      await b.deps.commands.state.claws.create(spec("alice"));
      const first = await b.say("/park alice", STRANGER);
      // The refusal is the webhook reply: a sendMessage in the response, no request of its own.
      expect(first).toMatchObject({ status: 200, contentType: "application/json" });
      expect(JSON.parse(String(first.body))).toMatchObject({
        method: "sendMessage",
        chat_id: STRANGER.id,
        parse_mode: "HTML",
        text: expect.stringMatching(/only takes commands from the fleet's operators.*<code>6666<\/code>$/s),
      });
      expect(b.last(STRANGER.id).text).toMatch(/only takes commands from the fleet's operators.*6666/s);
      expect((await b.say("/fleet", STRANGER)).status).toBe(204);
      expect((await b.say("hello?", STRANGER)).status).toBe(204);
      expect(b.fake.state.callsOf("sendMessage")).toHaveLength(1);
      expect(b.fake.state.requestsOf("sendMessage")).toEqual([]);
      const audit = await b.deps.commands.state.audit.recent();
      expect(audit).toHaveLength(3);
      expect(
        audit.every((a) => !a.accepted && a.principal === "telegram:6666" && a.channel === "telegram"),
      ).toBe(true);
      expect(audit.map((a) => a.kind).sort()).toEqual(["fleet", "message", "park"]);
      // What a stranger typed is never stored.
      expect(JSON.stringify(audit)).not.toContain("alice");
      expect(await b.deps.commands.state.operations.list()).toEqual([]);
      expect(b.deps.commands.durable.started).toEqual([]);
    }));

  it("stranger: in a group, chatter is ignored and a button press is refused with a toast", () =>
    withBot(async (b) => {
      await b.say("just chatting", STRANGER, -42);
      expect(b.fake.state.callsOf("sendMessage")).toEqual([]);
      await b.say("/help");
      const m = b.fake.updates.lastMessage(OPERATOR.id)!;
      const press = b.fake.updates.pressData(STRANGER, m, "c|abc");
      const res = await b.post(press);
      // The toast is the webhook reply.
      expect(JSON.parse(String(res.body))).toEqual({
        method: "answerCallbackQuery",
        callback_query_id: press.callback_query.id,
        text: "Only the fleet's operators can use these buttons.",
      });
      const answer = b.fake.state.callsOf("answerCallbackQuery")[0];
      expect(answer).toMatchObject({ webhookReply: true, outcome: true });
      expect(answer.payload.text).toMatch(/Only the fleet's operators/);
      const audit = await b.deps.commands.state.audit.recent();
      expect(audit.map((a) => [a.kind, a.accepted])).toEqual([["button-confirm", false]]);
    }));
});

describe("telegram webhook: answers in the webhook reply", () => {
  it("/fleet: answered in the webhook's response (sendMessage, chat id, escaped HTML), no request", () =>
    withBot(async (b) => {
      await b.deps.commands.state.claws.create(spec("alice"));
      const update = b.fake.updates.text(OPERATOR, "/fleet");
      const res = await b.post(update);
      expect(res).toMatchObject({ status: 200, contentType: "application/json" });
      const call = JSON.parse(String(res.body)) as Record<string, unknown>;
      expect(call).toMatchObject({
        method: "sendMessage",
        chat_id: OPERATOR.id,
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
      });
      expect(call.text).toMatch(/^<b>Fleet: 1 claw<\/b>\n❔ <b>alice<\/b> unknown · 1\.0\.0/);
      expect(checkHtml(String(call.text)).ok).toBe(true);
      // Nothing went out as a request; the fake ran the reply as Telegram does.
      expect(b.fake.state.requestsOf("sendMessage")).toEqual([]);
      expect(res.reply).toMatchObject({ method: "sendMessage", webhookReply: true, outcome: true });
      expect(b.last().text).toMatch(/^Fleet: 1 claw\n❔ alice unknown · 1\.0\.0/);
    }));

  it("/ops: text from records is escaped in the reply's HTML", () =>
    withBot(async (b) => {
      const ops = b.deps.commands.state.operations;
      await ops.start({ id: "op-1", kind: "verify", claw: "alice", channel: "http", principal: "http:k" });
      await ops.finish("op-1", {
        status: "failed",
        error: { code: "VERIFY_FAILED", message: 'a <b>bold</b> & "quoted" claim', step: "verify" },
      });
      const res = await b.say("/ops");
      const text = String((JSON.parse(String(res.body)) as { text: string }).text);
      expect(text).toContain(`a &lt;b&gt;bold&lt;/b&gt; &amp; "quoted" claim`);
      expect(res.reply?.outcome).toBe(true);
    }));

  it("usage: in the operators' group the reply quotes the command's message", () =>
    withBot(async (b) => {
      const update = b.fake.updates.text(OPERATOR, "/park", OPERATORS_CHAT);
      const res = await b.post(update);
      expect(JSON.parse(String(res.body))).toMatchObject({
        method: "sendMessage",
        chat_id: OPERATORS_CHAT,
        text: expect.stringMatching(/Missing an argument/),
        reply_parameters: { message_id: update.message.message_id, allow_sending_without_reply: true },
      });
      expect(res.reply?.outcome).toBe(true);
    }));

  it("TELEGRAM_WEBHOOK_REPLY=off: every answer is a request of its own and the webhook answers 204", () =>
    withBot(
      async (b) => {
        const res = await b.post(b.fake.updates.text(OPERATOR, "/fleet"));
        expect(res).toMatchObject({ status: 204, body: undefined });
        expect(b.fake.state.requestsOf("sendMessage")).toHaveLength(1);
        expect(b.last().text).toMatch(/No claws yet/);
      },
      { settings: { webhookReply: false } },
    ));
});

describe("telegram commands: reading", () => {
  it("/help: lists every command", () =>
    withBot(async (b) => {
      await b.say("/help");
      const text = b.last().text;
      for (const c of [
        "/fleet",
        "/claw",
        "/deploy",
        "/upgrade",
        "/park",
        "/wake",
        "/verify",
        "/rollout",
        "/ops",
      ]) {
        expect(text).toContain(c);
      }
    }));

  it("/fleet: one line per claw with power, image, last verify, schedule, pin and busy state", () =>
    withBot(async (b) => {
      const { claws } = b.deps.commands.state;
      await claws.create(
        spec("alice", {
          schedule: {
            mode: "scheduled",
            timeZone: "Europe/Berlin",
            wakeAt: "07:00",
            parkAt: "22:00",
            days: ["mon", "tue", "wed", "thu", "fri"],
          },
        }),
      );
      await claws.create(spec("bob"));
      await claws.updateObserved("alice", {
        powerState: "running",
        imageVersion: "1.0.0",
        lastVerify: {
          at: new Date(Date.now() - 3 * 3600_000).toISOString(),
          ok: true,
          total: 12,
          failed: [],
        },
      });
      await claws.updateObserved("bob", { powerState: "deallocated" });
      await claws.claimOperation("bob", "op-bob-1");
      await b.fleet.fleet.pin("alice", new Date(Date.now() + 2 * 3600_000), "telegram:1001");
      await b.say("/fleet");
      const text = b.last().text;
      expect(text).toMatch(/Fleet: 2 claws/);
      expect(text).toMatch(
        /🟢 alice running · 1\.0\.0 · verified 3h ago · wake 07:00 park 22:00 Europe\/Berlin mon,tue,wed,thu,fri · pinned awake until/,
      );
      expect(text).toMatch(
        /⚪ bob deallocated · 1\.0\.0 · not verified · always on \(fleet default\) · busy: op-bob-1/,
      );
    }));

  it("/fleet: with no claws, says how to create one", () =>
    withBot(async (b) => {
      await b.say("/fleet");
      expect(b.last().text).toMatch(/No claws yet/);
    }));

  it("/claw NAME: shows the claw; an unknown claw gets CLAW_NOT_FOUND with a hint", () =>
    withBot(async (b) => {
      await b.deps.commands.state.claws.create(spec("alice"));
      await b.deps.commands.state.claws.updateObserved("alice", {
        powerState: "running",
        imageVersion: "1.0.0",
        lastVerify: {
          at: new Date().toISOString(),
          ok: false,
          total: 9,
          failed: ["gateway-health", "telegram-connected"],
        },
      });
      await b.say("/claw alice");
      expect(b.last().text).toMatch(
        /alice — running\nimage: 1\.0\.0 \(spec 1\.0\.0\)\nregion eastus · size Standard_D4s_v5/,
      );
      expect(b.last().text).toMatch(
        /last verify: FAILED .* \(9 checks; failed: gateway-health, telegram-connected\)/,
      );
      await b.say("/claw carol");
      expect(b.last().text).toMatch(/CLAW_NOT_FOUND: .*carol.*\/fleet lists the claws/);
    }));

  it("/ops [NAME]: lists operations newest first; text from records is escaped for HTML", () =>
    withBot(async (b) => {
      const ops = b.deps.commands.state.operations;
      await b.deps.commands.state.claws.create(spec("alice"));
      await ops.start({
        id: "op-1",
        kind: "upgrade",
        claw: "alice",
        channel: "http",
        principal: "http:function-key",
      });
      await ops.finish("op-1", {
        status: "failed",
        error: { code: "VERIFY_FAILED", message: "check <gateway> & co failed", step: "verify" },
      });
      await ops.start({
        id: "op-2",
        kind: "verify",
        claw: "bob",
        channel: "http",
        principal: "http:function-key",
      });
      await b.say("/ops");
      const text = b.last().text;
      expect(text).toMatch(/Recent operations/);
      expect(text).toContain("❌ upgrade alice · failed");
      expect(text).toContain("verify: check <gateway> & co failed");
      expect(b.last().source).toContain("check &lt;gateway&gt; &amp; co failed");
      await b.say("/ops alice");
      expect(b.last().text).toMatch(/Operations of alice/);
      expect(b.last().text).not.toContain("bob");
    }));
});

describe("telegram commands: refusals", () => {
  const cases: [string, RegExp][] = [
    ["/frobnicate", /Unknown command \/frobnicate\.\nUsage: \/help lists the commands/],
    ["/upgrade alice", /Missing an argument\.\nUsage: \/upgrade NAME VERSION/],
    ["/upgrade alice 1.2", /Version '1\.2': must be an image version like '1\.2\.3'/],
    ["/park Alice", /Claw name 'Alice': must be lower-case \(did you mean 'alice'\?\)/],
    ["/park alice now", /Unknown option 'now': only force\.\nUsage: \/park NAME \[force\]/],
    ["/park alice force now", /Too many arguments\.\nUsage: \/park NAME \[force\]/],
    ["/wake alice 500", /Hours '500': must be a number more than 0 and at most 168/],
    [
      "/claw a<b>&",
      /Claw name 'a<b>&': may contain only lower-case letters, digits and hyphens \('<' at position 2\)/,
    ],
    [`/claw <b>${"x".repeat(250)}`, /too long/],
  ];
  it.each(cases)("usage: %s gets a short usage line, is audited, and starts nothing", (text, expected) =>
    withBot(async (b) => {
      await b.deps.commands.state.claws.create(spec("alice"));
      await b.say(text);
      expect(b.last().text).toMatch(expected);
      const audit = await b.deps.commands.state.audit.recent();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ accepted: false, principal: "telegram:1001", channel: "telegram" });
      expect(audit[0].reason).toMatch(/^BAD_REQUEST: /);
      expect(b.deps.commands.durable.started).toEqual([]);
      expect(await b.deps.commands.state.operations.list()).toEqual([]);
    }),
  );

  it("usage: a command addressed to another bot in the operators' group is ignored", () =>
    withBot(async (b) => {
      await b.say("/fleet@some_other_bot", OPERATOR, -100200300);
      expect(b.fake.state.callsOf("sendMessage")).toEqual([]);
      await b.say(`/help@${b.fake.bot.username}`, OPERATOR, -100200300);
      expect(b.last(-100200300).text).toMatch(/Commands:/);
    }));

  it("chats: an operator in a group that is not the operators' chat is refused and audited", () =>
    withBot(async (b) => {
      await b.say("/fleet", OPERATOR, -555);
      expect(b.last(-555).text).toMatch(/private chat or in the operators' chat/);
      expect((await b.deps.commands.state.audit.recent())[0]).toMatchObject({
        kind: "fleet",
        accepted: false,
      });
    }));
});
