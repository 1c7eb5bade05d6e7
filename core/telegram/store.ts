/**
 * The bot's own small records, in one table (TelegramChat):
 *   confirm/<id>    a command waiting for its Confirm / Cancel button (single use, expires)
 *   stranger/<uid>  when a non-operator was last told no (so they get one polite refusal, not many)
 * Nothing secret is stored: commands carry names and versions only.
 */
import { randomBytes } from "node:crypto";
import { ClawError } from "../errors";
import { tableName, type StorageTarget } from "../state";
import { getEntity, openTable, statusOf, storageError, type Table } from "../state/tables";
import type { ChatCommand } from "./parse";

export const TELEGRAM_TABLE = "TelegramChat";

/** How long a confirmation button stays valid. */
export const CONFIRM_TTL_MS = 10 * 60_000;
/** A stranger is told no again after this long. */
export const STRANGER_QUIET_MS = 24 * 3_600_000;

export interface Confirmation {
  id: string;
  command: ChatCommand;
  /** Telegram user id of the operator who asked; only they may confirm. */
  userId: string;
  chatId: number;
  createdAt: string;
  expiresAt: string;
}

export type TakeResult =
  | { state: "taken"; confirmation: Confirmation }
  /** Confirmed before (a double tap, or a press redelivered after a crash). */
  | { state: "retaken"; confirmation: Confirmation }
  | { state: "expired"; confirmation: Confirmation }
  | { state: "gone" }
  | { state: "not-yours" };

export interface ChatStore {
  /** Records a command to confirm; returns its id (short enough for callback data). */
  saveConfirmation(c: Omit<Confirmation, "id" | "createdAt" | "expiresAt">): Promise<Confirmation>;
  /**
   * Takes a confirmation for `userId` as `answer`. The first answer is kept on the row (with its
   * ETag): a Cancel after it, or any tap after a Cancel, gets "gone". A Confirm after a Confirm
   * (a double tap, or Telegram redelivering the press after the control plane died handling it)
   * gets "retaken": its command carries the confirmation's requestId, so it starts nothing
   * twice and finishes what a crash left undone. Another operator's tap leaves it in place.
   */
  takeConfirmation(id: string, userId: string, answer?: "confirm" | "cancel"): Promise<TakeResult>;
  /** True when a stranger should be answered (first time, or not within STRANGER_QUIET_MS). */
  shouldAnswerStranger(userId: string): Promise<boolean>;
}

const ID = /^[A-Za-z0-9_-]{1,32}$/;

export function createChatStore(
  target: StorageTarget,
  { prefix = "", now = () => new Date() }: { prefix?: string; now?: () => Date } = {},
): ChatStore {
  return chatStoreOn(openTable(target, tableName(prefix, TELEGRAM_TABLE)), now);
}

export function chatStoreOn(table: Table, now: () => Date): ChatStore {
  return {
    async saveConfirmation(c) {
      await table.ready();
      const at = now();
      const record: Confirmation = {
        ...c,
        id: randomBytes(9).toString("base64url"),
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + CONFIRM_TTL_MS).toISOString(),
      };
      try {
        await table.client.createEntity({
          partitionKey: "confirm",
          rowKey: record.id,
          command: JSON.stringify(record.command),
          userId: record.userId,
          chatId: String(record.chatId),
          createdAt: record.createdAt,
          expiresAt: record.expiresAt,
        });
      } catch (e) {
        throw storageError(e, "recording a confirmation");
      }
      return record;
    },

    async takeConfirmation(id, userId, answer = "confirm") {
      if (!ID.test(id)) return { state: "gone" };
      const e = await getEntity<Record<string, unknown>>(table, "confirm", id);
      if (!e) return { state: "gone" };
      const confirmation: Confirmation = {
        id,
        command: JSON.parse(String(e.command)) as ChatCommand,
        userId: String(e.userId),
        chatId: Number(e.chatId),
        createdAt: String(e.createdAt),
        expiresAt: String(e.expiresAt),
      };
      if (confirmation.userId !== userId) return { state: "not-yours" };
      if (typeof e.answer === "string") {
        // Answered before: only a Confirm repeating a Confirm made in time goes on.
        const again = e.answer === "confirm" && answer === "confirm";
        return again ? { state: "retaken", confirmation } : { state: "gone" };
      }
      const expired = Date.parse(confirmation.expiresAt) < now().getTime();
      try {
        if (expired) await table.client.deleteEntity("confirm", id, { etag: e.etag });
        else {
          // Kept, answered: a Confirm redelivered after a crash finds it and goes on.
          await table.client.updateEntity(
            { partitionKey: "confirm", rowKey: id, answer, answeredAt: now().toISOString() },
            "Merge",
            { etag: e.etag },
          );
        }
      } catch (err) {
        const status = statusOf(err);
        if (status === 404 || status === 412) return { state: "gone" };
        throw storageError(err, "taking a confirmation");
      }
      return expired ? { state: "expired", confirmation } : { state: "taken", confirmation };
    },

    async shouldAnswerStranger(userId) {
      if (!/^\d{1,20}$/.test(userId)) throw new ClawError("BAD_REQUEST", "not a Telegram user id");
      const at = now();
      const e = await getEntity<Record<string, unknown>>(table, "stranger", userId);
      if (e && at.getTime() - Date.parse(String(e.refusedAt)) < STRANGER_QUIET_MS) return false;
      try {
        const row = { partitionKey: "stranger", rowKey: userId, refusedAt: at.toISOString() };
        if (e) await table.client.updateEntity(row, "Replace", { etag: e.etag });
        else await table.client.createEntity(row);
        return true;
      } catch (err) {
        // Someone else answered this stranger at the same moment.
        if (statusOf(err) === 409 || statusOf(err) === 412) return false;
        throw storageError(err, "recording a refusal");
      }
    },
  };
}
