import { Notice } from "../components";
import { href, time } from "../format";
import { usePoll } from "../hooks";
import type { FleetRow, Image } from "../types";

export function ImagesPage() {
  const images = usePoll<{ images: Image[] }>("/images", 10_000);
  const fleet = usePoll<{ claws: FleetRow[] }>("/fleet", 5000);
  const running = new Map<string, string[]>();
  for (const c of fleet.data?.claws ?? []) {
    const v = c.observed.imageVersion;
    if (v) running.set(v, [...(running.get(v) ?? []), c.name]);
  }
  const versions = new Set([...(images.data?.images ?? []).map((i) => i.version), ...running.keys()]);
  const known = new Map((images.data?.images ?? []).map((i) => [i.version, i]));
  return (
    <section aria-labelledby="images-title">
      <h1 id="images-title">Images</h1>
      <Notice error={images.error ?? fleet.error} />
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">State</th>
              <th scope="col">Regions</th>
              <th scope="col">Registered</th>
              <th scope="col">Claws running it</th>
            </tr>
          </thead>
          <tbody>
            {[...versions]
              .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))
              .map((v) => {
                const i = known.get(v);
                const claws = running.get(v) ?? [];
                return (
                  <tr key={v}>
                    <th scope="row">{v}</th>
                    <td>{i ? String(i.state ?? "") : <span class="muted">not registered</span>}</td>
                    <td>{i && Array.isArray(i.regions) ? (i.regions as string[]).join(", ") : "–"}</td>
                    <td>{i ? time(i.registeredAt as string) : "–"}</td>
                    <td>
                      {claws.length} {claws.length > 0 ? "· " : ""}
                      {claws.slice(0, 20).map((n, k) => (
                        <span key={n}>
                          {k > 0 ? ", " : ""}
                          <a href={href("claws", n)}>{n}</a>
                        </span>
                      ))}
                      {claws.length > 20 ? ` and ${claws.length - 20} more` : ""}
                    </td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
