// whoami: the calling agent, its scopes, the owners it may act on, and the meeting classes it can use.
import { WhoamiInput, WhoamiOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const whoami = defineTool({
  name: "whoami",
  title: "Who am I",
  description:
    "Your identity, scopes, priority and default meeting class; the classes with their ranks; the owners you may act on with their time zones and calendars. Call it first.",
  scopes: [],
  input: WhoamiInput,
  output: WhoamiOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "GET", path: "/v1/me" },
  writes: false,
  run: (service, tx) => service.whoami(tx),
});
