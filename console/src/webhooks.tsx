// Webhooks: every agent's and the organisation-wide ones, their delivery logs, creating an
// organisation-wide one (its secret shown once), rotating, enabling and sending a delivery again.
import { useEffect, useState } from "preact/hooks";
import type {
  DeliveryView as Delivery,
  SubscriptionView as Hook,
} from "../../src/service/webhooks/subscriptions.js";
import { api } from "./api";
import { utc } from "./format";
import { ErrorNote, Field, Page, ShownOnce, Status } from "./ui";

export function WebhooksPage() {
  const [hooks, setHooks] = useState<Hook[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const [url, setUrl] = useState("");
  const [error, setError] = useState<unknown>(null);

  const load = async () => setHooks((await api<{ webhooks: Hook[] }>("GET", "/v1/admin/webhooks")).webhooks);
  const show = async (id: string) => {
    setOpen(id);
    setDeliveries(
      (await api<{ deliveries: Delivery[] }>("GET", `/v1/admin/webhooks/${id}/deliveries`)).deliveries,
    );
  };
  const act = (work: () => Promise<unknown>) => async () => {
    setError(null);
    try {
      await work();
      await load();
      if (open) await show(open);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load().catch(setError);
  }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    await act(async () => {
      const made = await api<{ secret: string }>("POST", "/v1/admin/webhooks", { url });
      setSecret(made.secret);
      setUrl("");
    })();
  };

  return (
    <Page title="Webhooks">
      <ErrorNote error={error} />
      {secret && (
        <ShownOnce
          heading="Store this signing secret now: it is shown only once."
          value={secret}
          testId="webhook-secret"
          onDone={() => setSecret(null)}
        />
      )}
      <div class="table-wrap">
        <table>
          <caption class="sr-only">Webhooks</caption>
          <thead>
            <tr>
              <th scope="col">Webhook</th>
              <th scope="col">Owner</th>
              <th scope="col">Status</th>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {hooks.map((h) => (
              <tr key={h.webhook_id} data-webhook={h.webhook_id}>
                <td>
                  <button
                    type="button"
                    class="link-button"
                    aria-expanded={open === h.webhook_id}
                    onClick={() => show(h.webhook_id).catch(setError)}
                  >
                    {h.webhook_id}
                  </button>
                </td>
                <td>{h.agent_id ?? "organisation"}</td>
                <td>
                  <Status value={h.status} /> {h.disabled_reason ?? ""}
                </td>
                <td>{h.url}</td>
                <td>{h.event_types.length === 8 ? "all" : h.event_types.join(", ")}</td>
                <td>
                  {h.status === "disabled" && (
                    <button
                      type="button"
                      onClick={act(() => api("POST", `/v1/admin/webhooks/${h.webhook_id}/enable`))}
                    >
                      Enable
                    </button>
                  )}{" "}
                  <button
                    type="button"
                    onClick={act(async () =>
                      setSecret(
                        (
                          await api<{ secret: string }>(
                            "POST",
                            `/v1/admin/webhooks/${h.webhook_id}/rotate-secret`,
                          )
                        ).secret,
                      ),
                    )}
                  >
                    Rotate secret
                  </button>{" "}
                  <button
                    type="button"
                    class="danger"
                    onClick={act(() => api("DELETE", `/v1/admin/webhooks/${h.webhook_id}`))}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && (
        <section aria-label={`Deliveries of ${open}`}>
          <h2>Deliveries of {open}</h2>
          {deliveries.length === 0 ? (
            <p>No deliveries yet.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last answer</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {deliveries.map((d) => (
                    <tr key={d.delivery_id}>
                      <td>{utc(d.created_at)}</td>
                      <td>{d.event_type}</td>
                      <td>
                        <Status value={d.status} />
                      </td>
                      <td>{d.attempts}</td>
                      <td>
                        {d.last_status_code ?? d.last_error ?? "-"}
                        {d.latency_ms !== null ? ` (${d.latency_ms} ms)` : ""}
                      </td>
                      <td>
                        <button
                          type="button"
                          onClick={act(() =>
                            api("POST", `/v1/admin/webhook-deliveries/${d.delivery_id}/redeliver`),
                          )}
                        >
                          Send again
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
      <h2>New organisation-wide webhook</h2>
      <form class="inline-form" onSubmit={create}>
        <Field label="URL" hint="https, public; receives every agent's events.">
          <input
            type="url"
            required
            value={url}
            onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          />
        </Field>
        <button type="submit">Create webhook</button>
      </form>
    </Page>
  );
}
