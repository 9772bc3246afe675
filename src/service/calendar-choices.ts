// Which provider calendars a connect attaches, and as which types: the owner's choices checked
// against what the account can see (`primary`, ids, or display names), each type and calendar once.
import { CalendarType } from "../../schemas/wire.js";
import type { OwnerRow } from "../ledger/tables.js";
import type { ProviderCalendar } from "../providers/calendar-provider.js";
import { OpenavailError } from "./errors.js";
import { isObjectPrototypeName } from "./lookups.js";

export type RemoteProvider = "google" | "microsoft" | "caldav";

export const PROVIDER_LABEL: Readonly<Record<RemoteProvider, string>> = {
  google: "Google",
  microsoft: "Microsoft",
  caldav: "CalDAV",
};

/** One provider calendar to attach, as the owner's calendar of `calendarType`. */
export interface CalendarChoice {
  /** The provider's calendar id, or `primary` for the account's primary calendar. */
  readonly externalId: string;
  readonly calendarType: string;
}

/** A calendar type as the wire allows it, refused by name otherwise. */
export function checkCalendarType(type: string): string {
  const parsed = CalendarType.safeParse(type);
  if (!parsed.success || isObjectPrototypeName(parsed.data)) {
    throw new OpenavailError(
      "bad_request",
      `"${type}" is not a calendar type: use a lowercase word such as work or personal.`,
      { details: [{ field: "calendar", message: "calendar type must match ^[a-z][a-z0-9_-]{0,31}$" }] },
    );
  }
  return parsed.data;
}

/** The calendars to attach, checked; refused by name when one is unknown or given twice. */
export function resolveChoices(
  kind: RemoteProvider,
  requested: readonly CalendarChoice[],
  owner: OwnerRow,
  available: readonly ProviderCalendar[],
  primary: ProviderCalendar | undefined,
): CalendarChoice[] {
  const label = PROVIDER_LABEL[kind];
  const list = available.map((c) => c.id).join(", ") || "none";
  const wanted =
    requested.length > 0
      ? requested
      : [{ externalId: "primary", calendarType: owner.default_calendar_type ?? "work" }];
  const out: CalendarChoice[] = [];
  for (const c of wanted) {
    // A calendar may be named by its id or, where ids are long URLs, by its display name.
    const externalId =
      c.externalId === "primary"
        ? primary?.id
        : (available.find((a) => a.id === c.externalId) ?? available.find((a) => a.summary === c.externalId))
            ?.id;
    if (c.externalId === "primary" && externalId === undefined) {
      throw new OpenavailError(
        "bad_request",
        `This ${label} account has no primary calendar; name one with --calendar ID=TYPE (available: ${list}).`,
      );
    }
    if (externalId === undefined) {
      throw new OpenavailError(
        "not_found",
        `The ${label} account cannot see a calendar "${c.externalId}"; choose one of: ${list}.`,
        { details: [{ field: "calendar", message: `no ${label} calendar ${c.externalId}` }] },
      );
    }
    const calendarType = checkCalendarType(c.calendarType);
    if (out.some((o) => o.calendarType === calendarType)) {
      throw new OpenavailError(
        "bad_request",
        `Calendar type ${calendarType} is given twice; use each type once.`,
      );
    }
    if (out.some((o) => o.externalId === externalId)) {
      throw new OpenavailError(
        "bad_request",
        `${label} calendar ${externalId} is given twice; attach each calendar as one type.`,
      );
    }
    out.push({ externalId, calendarType });
  }
  return out;
}
