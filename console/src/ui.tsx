// Small pieces every page uses: an error note naming the fields, labelled fields, the scope labels.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "./api";

/** The seed's labels and what each scope lets an agent do. */
export const SCOPE_LABELS: readonly { scope: string; label: string; help: string }[] = [
  {
    scope: "read_freebusy",
    label: "View calendar availability",
    help: "See when the owner is free or busy, without titles or attendees.",
  },
  { scope: "read_events", label: "Read events", help: "See bookings with their titles and attendees." },
  {
    scope: "create_holds",
    label: "Create holds",
    help: "Hold a slot for a few minutes while confirming with someone.",
  },
  {
    scope: "create_bookings",
    label: "Create bookings",
    help: "Book, reschedule and cancel its own meetings.",
  },
  {
    scope: "preempt",
    label: "Preempt",
    help: "Displace lower-priority bookings; their agents are told and offered another slot.",
  },
  { scope: "manage_rules", label: "Manage rules", help: "Change working hours, buffers and booking limits." },
  {
    scope: "manage_webhooks",
    label: "Manage webhooks",
    help: "Have its booking and hold events pushed to a URL it names.",
  },
];

export function scopeLabel(scope: string): string {
  return SCOPE_LABELS.find((s) => s.scope === scope)?.label ?? scope;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div class="error" role="alert">
      <p>{message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={d.field}>
              <code>{d.field || "input"}</code>: {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: ComponentChildren;
}) {
  // The hint sits outside the label, so a control's accessible name is its label alone.
  return (
    <div class="field">
      {/* biome-ignore lint/a11y/noLabelWithoutControl: the control is the child this label wraps */}
      <label>
        <span class="field-label">{label}</span>
        {children}
      </label>
      {hint && <span class="hint">{hint}</span>}
    </div>
  );
}

export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Status({ value }: { value: string }) {
  return <span class={`status status-${value}`}>{value.replace("_", " ")}</span>;
}

/** A secret shown once (an API key, a webhook's signing secret): the value, optionally a copy button, and a dismiss. */
export function ShownOnce({
  heading,
  note,
  value,
  testId,
  copyLabel,
  onDone,
}: {
  heading: string;
  note?: string;
  value: string;
  testId: string;
  copyLabel?: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="new-key" role="status">
      <p>
        <strong>{heading}</strong>
        {note ? ` ${note}` : ""}
      </p>
      <code class="secret" data-testid={testId}>
        {value}
      </code>{" "}
      {copyLabel && (
        <>
          <button
            type="button"
            onClick={async () => {
              await navigator.clipboard.writeText(value);
              setCopied(true);
            }}
          >
            {copied ? "Copied" : copyLabel}
          </button>{" "}
        </>
      )}
      <button type="button" class="link-button" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}
