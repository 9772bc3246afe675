// whoami: the calling agent, its scopes, owners, and the meeting classes it can use.
import { WhoamiInput, WhoamiOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const whoami = defineTool({
  name: "whoami",
  title: "Who am I",
  description:
    "Your agent identity: scopes, the owners you may act on, your default meeting class and priority, and the meeting classes of the policy with their ranks. Call it once to learn what you may do.",
  scopes: [],
  input: WhoamiInput,
  output: WhoamiOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "GET", path: "/v1/me" },
  writes: false,
  run: async (service, tx) => {
    const { caller } = tx;
    const { policy } = service.policy;
    return {
      agent_id: caller.agentId,
      name: caller.name,
      description: caller.description,
      default_meeting_class: caller.defaultClass ?? policy.default_class,
      priority: caller.priority,
      scopes: [...caller.scopes],
      allowed_owners: caller.owners === "*" ? ["*"] : [...caller.owners],
      key_prefix: caller.keyPrefix ?? "",
      meeting_classes: Object.fromEntries(
        Object.entries(policy.classes).map(([name, c]) => [
          name,
          { rank: c.rank, preemptible: c.preemptible },
        ]),
      ),
    };
  },
});
