// `openavail completion bash|zsh`: shell completion generated from the program itself, so every
// command and option (the generated agent commands too) completes without a list kept by hand.
import type { Command } from "commander";
import type { CliContext } from "./cli-context.js";
import { UsageError } from "./commands/admin-env.js";

interface Node {
  /** "" for the program, else the command path, e.g. "owner add". */
  readonly path: string;
  readonly words: readonly { word: string; help: string }[];
}

const SHELLS = ["bash", "zsh"] as const;

export function registerCompletionCommand(program: Command, ctx: CliContext): void {
  program
    .command("completion")
    .description("Print the shell completion script for bash or zsh.")
    .argument("<shell>", `${SHELLS.join(" or ")}`)
    .addHelpText(
      "after",
      `
Install:
  bash  echo 'source <(openavail completion bash)' >> ~/.bashrc
  zsh   echo 'source <(openavail completion zsh)' >> ~/.zshrc   (after compinit)`,
    )
    .action((shell: string) => {
      if (shell !== "bash" && shell !== "zsh")
        throw new UsageError(`no completion for "${shell}": use bash or zsh`);
      const nodes = walk(program);
      ctx.stdout.write(shell === "bash" ? bashScript(nodes) : zshScript(nodes));
    });
}

function walk(cmd: Command, path = ""): Node[] {
  const subs = cmd.commands.filter((c) => c.name() !== "help");
  const words = [
    ...subs.map((c) => ({ word: c.name(), help: c.summary() || c.description() })),
    ...cmd.options.filter((o) => !o.hidden && o.long).map((o) => ({ word: o.long!, help: o.description })),
    { word: "--help", help: "show help" },
  ];
  return [{ path, words }, ...subs.flatMap((c) => walk(c, path ? `${path} ${c.name()}` : c.name()))];
}

function commandPaths(nodes: readonly Node[]): string {
  return nodes
    .filter((n) => n.path !== "")
    .map((n) => `"${n.path}"`)
    .join("|");
}

function bashScript(nodes: readonly Node[]): string {
  const cases = nodes
    .map((n) => `    "${n.path}") words="${n.words.map((w) => w.word).join(" ")}" ;;`)
    .join("\n");
  return `# openavail completion for bash: source <(openavail completion bash)
_openavail() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" next w i words
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    next="\${path:+$path }$w"
    case "$next" in
      ${commandPaths(nodes)}) path="$next" ;;
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _openavail openavail
`;
}

function zshScript(nodes: readonly Node[]): string {
  const item = (w: { word: string; help: string }) =>
    `'${`${w.word.replaceAll(":", "\\:")}:${w.help.split("\n")[0]}`.replaceAll("'", "'\\''")}'`;
  const cases = nodes.map((n) => `    ("${n.path}") items=(${n.words.map(item).join(" ")}) ;;`).join("\n");
  return `#compdef openavail
# openavail completion for zsh: source <(openavail completion zsh), after compinit
_openavail() {
  local path_="" next w i
  local -a items
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ $w == -* ]] && continue
    next="\${path_:+$path_ }$w"
    case "$next" in
      (${commandPaths(nodes)}) path_="$next" ;;
    esac
  done
  case "$path_" in
${cases}
  esac
  _describe -t commands openavail items
}
if [[ "\${funcstack[1]}" == _openavail ]]; then _openavail "$@"; else compdef _openavail openavail; fi
`;
}
