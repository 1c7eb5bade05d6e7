/**
 * Reads a secret: from stdin when it is piped (`echo "$TOKEN" | openclawps secrets set ...`), else
 * from a prompt on the terminal that does not echo what is typed.
 */
import { UsageError } from "./config";

export async function readSecret(prompt: string, hidden = true): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const firstLine = text.split(/\r?\n/)[0];
    if (firstLine === "") throw new UsageError("nothing on stdin; pipe the value in or run on a terminal");
    return firstLine;
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let value = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString("utf8")) {
          if (ch === "\r" || ch === "\n") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            return resolve(value);
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            return reject(new UsageError("cancelled"));
          }
          if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
          else {
            value += ch;
            if (!hidden) process.stderr.write(ch);
          }
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
