// `openavail policy show`: the meeting classes in force, their rank and whether they can be displaced.
import type { Command } from "commander";
import { type AdminEnv, emit, loadPolicy, table } from "./admin-env.js";

export function registerPolicyCommands(program: Command, env: AdminEnv): void {
  const policy = program
    .command("policy")
    .description(
      "Inspect the meeting-class policy (OPENAVAIL_POLICY or --policy, default data/policy.json).",
    );

  policy
    .command("show")
    .description("Show the policy file in force, its hash (recorded in every decision) and its classes.")
    .action((_opts: object, cmd: Command) => {
      const loaded = loadPolicy(env, cmd);
      const view = { source: loaded.source, hash: loaded.hash, ...loaded.policy };
      emit(env, cmd, view, () => {
        const classes = Object.entries(loaded.policy.classes).sort(([, a], [, b]) => b.rank - a.rank);
        return [
          `policy: ${loaded.source}`,
          `hash: ${loaded.hash}`,
          `default class: ${loaded.policy.default_class}`,
          `protect after: ${loaded.policy.protect_after_hours} h`,
          "",
          table(
            ["CLASS", "RANK", "PREEMPTIBLE", "DESCRIPTION"],
            classes.map(([name, c]) => [name, c.rank, c.preemptible ? "yes" : "no", c.description]),
          ),
        ].join("\n");
      });
    });
}
