import { describe, expect, it } from "vitest";
import { LocalProvider } from "../../src/providers/local-provider.js";
import { providerContract } from "./provider-contract.js";

providerContract("local", async () => ({
  provider: new LocalProvider(),
  calendar: { externalCalendarId: "cal_local", timeZone: "America/New_York" },
}));

describe("LocalProvider", () => {
  it("syncs nothing, with the same token every time", async () => {
    const provider = new LocalProvider();
    const calendar = { externalCalendarId: "cal_local", timeZone: "UTC" };
    const first = await provider.sync({ ...calendar, syncToken: null });
    const second = await provider.sync({ ...calendar, syncToken: first.nextSyncToken });
    expect(first).toEqual({ events: [], nextSyncToken: second.nextSyncToken, fullResync: false });
  });
});
