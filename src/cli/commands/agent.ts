// `openavail agent create|list|show|update|disable|enable`: the AI systems that call Openavail.
import type { Command } from "commander";
import type { AgentView } from "../../service/admin-views.js";
import { addAgent, listAgents, setAgentStatus, showAgent, updateAgent } from "../../service/agents-admin.js";
import { SCOPES } from "../../service/caller.js";
import {
  type AdminEnv,
  adminWrite,
  emit,
  fields,
  list,
  loadPolicy,
  table,
  wholeNumber,
  withLedger,
} from "./admin-env.js";

interface AgentOptions {
  name?: string;
  scopes?: string[];
  owners?: string[];
  priority?: number;
  defaultClass?: string;
  description?: string;
}

const SCOPES_HELP = `comma-separated scopes: ${SCOPES.join(", ")}`;
const OWNERS_HELP = "comma-separated owner emails, or '*' for every owner";

export function registerAgentCommands(program: Command, env: AdminEnv): void {
  const agent = program
    .command("agent")
    .description("Create and manage agents: scopes, allowed owners, default class, priority, status.");

  agent
    .command("create")
    .description("Create an agent and print its id; then give it a key with `openavail key create`.")
    .requiredOption("--name <name>", "a name people recognise, e.g. 'sales bot'")
    .requiredOption("--scopes <scopes>", SCOPES_HELP, list)
    .requiredOption("--owners <owners>", OWNERS_HELP, list)
    .option("--priority <n>", "tie-break between agents of one meeting class (higher wins)", wholeNumber)
    .option("--default-class <class>", "meeting class used when a request names none (from the policy)")
    .option("--description <text>", "what the agent is for")
    .action(async (opts: AgentOptions, cmd: Command) => {
      const view = await adminWrite(
        env,
        cmd,
        (db) =>
          addAgent(
            db,
            loadPolicy(env, cmd).policy,
            {
              name: opts.name,
              scopes: opts.scopes,
              owners: opts.owners,
              ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
              ...(opts.defaultClass !== undefined ? { default_class: emptyToNull(opts.defaultClass) } : {}),
              ...(opts.description !== undefined ? { description: emptyToNull(opts.description) } : {}),
            },
            env.now(),
          ),
        (v) => v.id,
      );
      emit(env, cmd, view, () => view.id);
    });

  agent
    .command("list")
    .description("List every agent.")
    .action(async (_opts: object, cmd: Command) => {
      const agents = await withLedger(env, cmd, (db) => listAgents(db), { mustExist: true });
      emit(env, cmd, agents, () =>
        agents.length === 0
          ? "No agents yet; create one with `openavail agent create`."
          : table(
              ["ID", "NAME", "STATUS", "CLASS", "PRIORITY", "SCOPES", "OWNERS"],
              agents.map((a) => [a.id, a.name, a.status, a.default_class, a.priority, a.scopes, a.owners]),
            ),
      );
    });

  agent
    .command("show")
    .description("Show one agent with its keys (prefixes and dates only; keys are never shown again).")
    .argument("<agent_id>", "the agent id (agt_...)")
    .action(async (agentId: string, _opts: object, cmd: Command) => {
      const view = await withLedger(env, cmd, (db) => showAgent(db, agentId, env.now()), {
        mustExist: true,
      });
      emit(env, cmd, view, () => {
        const keys =
          view.keys.length === 0
            ? "keys: none"
            : table(
                ["KEY", "PREFIX", "STATUS", "CREATED", "EXPIRES", "LAST USED"],
                view.keys.map((k) => [
                  k.id,
                  `${k.prefix}…`,
                  k.status,
                  k.created_at,
                  k.expires_at,
                  k.last_used_at,
                ]),
              );
        return `${describe(view)}\n\n${keys}`;
      });
    });

  agent
    .command("update")
    .description("Change an agent; only the options given change, and they apply to its next request.")
    .argument("<agent_id>", "the agent id (agt_...)")
    .option("--name <name>", "new name")
    .option("--scopes <scopes>", `${SCOPES_HELP} (replaces the list)`, list)
    .option("--owners <owners>", `${OWNERS_HELP} (replaces the list)`, list)
    .option("--priority <n>", "new priority", wholeNumber)
    .option("--default-class <class>", "new default meeting class ('' to clear)")
    .option("--description <text>", "new description ('' to clear)")
    .action(async (agentId: string, opts: AgentOptions, cmd: Command) => {
      const view = await adminWrite(
        env,
        cmd,
        (db) =>
          updateAgent(
            db,
            loadPolicy(env, cmd).policy,
            agentId,
            {
              ...(opts.name !== undefined ? { name: opts.name } : {}),
              ...(opts.scopes !== undefined ? { scopes: opts.scopes } : {}),
              ...(opts.owners !== undefined ? { owners: opts.owners } : {}),
              ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
              ...(opts.defaultClass !== undefined ? { default_class: emptyToNull(opts.defaultClass) } : {}),
              ...(opts.description !== undefined ? { description: emptyToNull(opts.description) } : {}),
            },
            env.now(),
          ),
        (v) => v.id,
      );
      emit(env, cmd, view, () => describe(view));
    });

  for (const [name, status, help] of [
    ["disable", "disabled", "Disable an agent: its keys get 401 at once; its holds expire normally."],
    ["enable", "active", "Enable a disabled agent again; its unrevoked keys work again."],
  ] as const) {
    agent
      .command(name)
      .description(help)
      .argument("<agent_id>", "the agent id (agt_...)")
      .action(async (agentId: string, _opts: object, cmd: Command) => {
        const view = await adminWrite(
          env,
          cmd,
          (db) => setAgentStatus(db, agentId, status, env.now()),
          (v) => v.id,
          {
            mustExist: true,
          },
        );
        emit(env, cmd, view, () => `${view.id} is ${view.status}.`);
      });
  }
}

function describe(view: AgentView): string {
  return fields({
    id: view.id,
    name: view.name,
    status: view.status,
    description: view.description,
    default_class: view.default_class,
    priority: view.priority,
    scopes: view.scopes,
    owners: view.owners,
    created_at: view.created_at,
    updated_at: view.updated_at,
  });
}

function emptyToNull(value: string): string | null {
  return value.trim() === "" ? null : value;
}
