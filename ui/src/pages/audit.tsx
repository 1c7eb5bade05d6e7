import { Notice } from "../components";
import { href, time } from "../format";
import { usePoll } from "../hooks";
import type { AuditEntry } from "../types";

export function AuditPage() {
  const audit = usePoll<{ entries: AuditEntry[] }>("/audit?days=7&limit=300", 5000);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      <Notice error={audit.error} />
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Channel</th>
              <th scope="col">What</th>
              <th scope="col">Claw</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {(audit.data?.entries ?? []).map((e, i) => (
              <tr key={`${e.at}-${i}`}>
                <td>{time(e.at)}</td>
                <td>{e.principal}</td>
                <td>{e.channel}</td>
                <td>{e.kind}</td>
                <td>{e.claw ? <a href={href("claws", e.claw)}>{e.claw}</a> : "–"}</td>
                <td class={e.accepted ? "good-text" : "bad-text"}>
                  {e.accepted ? "accepted" : "refused"}
                  {e.reason ? `: ${e.reason}` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
