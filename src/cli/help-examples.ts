// One example per command, shown at the end of its --help. The agent commands carry their own (from
// agent-commands.ts); these are the admin and server commands'. A test checks every command has one.
import type { Command } from "commander";

const EXAMPLES: Readonly<Record<string, string>> = {
  owner: "openavail owner list",
  calendar: "openavail calendar list",
  rules: "openavail rules get --calendar cal_0123abcd",
  agent: "openavail agent list",
  key: "openavail key list --agent agt_0123abcd",
  policy: "openavail policy show",
  "admin-token": "openavail admin-token create",
  connect: "openavail connect google --owner demo@openavail.local",
  "owner add": "openavail owner add --email ana@example.com --name Ana --timezone Europe/Madrid",
  "owner list": "openavail owner list",
  "owner bookings": "openavail owner bookings --owner demo@openavail.local --on monday",
  "owner booking": "openavail owner booking bkg_0123abcd",
  "owner cancel": 'openavail owner cancel bkg_0123abcd --reason "I am on leave that day"',
  "calendar add": "openavail calendar add --owner ana@example.com --type work",
  "calendar list": "openavail calendar list --owner ana@example.com",
  "rules set": "openavail rules set --calendar cal_0123abcd --rules '{\"buffer_after_minutes\":10}'",
  "rules get": "openavail rules get --calendar cal_0123abcd",
  "rules delete": "openavail rules delete --calendar cal_0123abcd",
  "agent create":
    'openavail agent create --name "sales bot" --scopes read_freebusy,create_holds,create_bookings --owners demo@openavail.local',
  "agent list": "openavail agent list",
  "agent show": "openavail agent show agt_0123abcd",
  "agent update": "openavail agent update agt_0123abcd --priority 5",
  "agent disable": "openavail agent disable agt_0123abcd",
  "agent enable": "openavail agent enable agt_0123abcd",
  "key create": "openavail key create --agent agt_0123abcd --expires-in-days 90",
  "key list": "openavail key list --agent agt_0123abcd",
  "key revoke": "openavail key revoke --agent agt_0123abcd --key key_0123abcd",
  "policy show": "openavail policy show",
  decisions: "openavail decisions --owner demo@openavail.local --since 24h --follow",
  "admin-token create": "openavail admin-token create",
  "admin-actions": "openavail admin-actions --limit 20",
  oauth: "openavail oauth clients",
  "oauth clients": "openavail oauth clients",
  "oauth revoke": "openavail oauth revoke occ_0123abcd",
  webhook: "openavail webhook list",
  "webhook list": "openavail webhook list",
  "webhook create":
    "openavail webhook create --url https://hooks.example.com/openavail --events booking.preempted",
  "webhook delete": "openavail webhook delete whk_0123abcd",
  "webhook rotate": "openavail webhook rotate whk_0123abcd",
  "webhook enable": "openavail webhook enable whk_0123abcd",
  "webhook deliveries": "openavail webhook deliveries whk_0123abcd",
  "webhook redeliver": "openavail webhook redeliver msg_0123abcd",
  "console-link": "openavail console-link --url http://127.0.0.1:7420",
  serve: "openavail serve --port 7420",
  mcp: "OPENAVAIL_API_KEY=ak_... openavail mcp",
  "connect google": "openavail connect google --owner demo@openavail.local",
  "connect microsoft":
    "openavail connect microsoft --owner demo@openavail.local --client-id 00000000-0000-0000-0000-000000000000",
  "connect caldav":
    "openavail connect caldav --owner demo@openavail.local --url https://caldav.fastmail.com/ --username demo@fastmail.com",
  completion: "source <(openavail completion bash)",
};

/** Adds the example to `cmd` (path like "owner add") when it has one here. */
export function addExample(cmd: Command, path: string): void {
  const example = Object.hasOwn(EXAMPLES, path) ? EXAMPLES[path] : undefined;
  if (example) cmd.addHelpText("after", `\nExample:\n  $ ${example}`);
}
