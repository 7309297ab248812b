/**
 * `wechatpay-chain completion bash|zsh`: a completion script for the shell. It completes the commands, their
 * options (read from the program itself), every endpoint template of the API description after `request`,
 * and the notification event types after `sandbox trigger`.
 *
 *     eval "$(wechatpay-chain completion bash)"      # in ~/.bashrc
 *     source <(wechatpay-chain completion zsh)       # in ~/.zshrc, after compinit
 */
import { Argument, type Command } from 'commander';
import { templates } from './endpoints.js';
import { EVENT_TYPES } from './events.js';

/** The long (and short) flags of a command. */
function flagsOf(command: Command): string[] {
  return command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag)));
}

const find = (command: Command, name: string): Command | undefined => command.commands.find((child) => child.name() === name);

/** Words safe in a single-quoted shell string (templates hold `{}` and `-`, never a quote). */
const quoted = (words: readonly string[]): string => `'${words.join(' ').replace(/'/g, '')}'`;

interface Words {
  commands: string[];
  /** Subcommands and flags after each command (`certificates` -> `download`, ...). */
  after: Record<string, string[]>;
  templates: string[];
  events: string[];
  verbs: string[];
}

function words(cli: Command): Words {
  const after: Record<string, string[]> = {};
  for (const command of cli.commands) {
    after[command.name()] = [...command.commands.map((child) => child.name()), ...flagsOf(command)];
    for (const child of command.commands) after[`${command.name()} ${child.name()}`] = flagsOf(child);
  }
  const request = find(cli, 'request');
  const method = request?.options.find((option) => option.long === '--method');
  return {
    commands: cli.commands.map((command) => command.name()),
    after,
    templates: templates(),
    events: [...EVENT_TYPES.keys()],
    verbs: method?.argChoices ?? ['get', 'post', 'put', 'patch', 'delete'],
  };
}

function bash(cli: Command): string {
  const w = words(cli);
  const cases = Object.entries(w.after).map(([path, list]) => `    '${path}') flags=${quoted(list)} ;;`);
  return `# wechatpay-chain completion for bash: eval "$(wechatpay-chain completion bash)"
_wechatpay_chain_templates=${quoted(w.templates)}
_wechatpay_chain_events=${quoted(w.events)}
_wechatpay_chain() {
  local cur prev at flags
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${quoted(w.commands)} -- "$cur") )
    return
  fi
  at="\${COMP_WORDS[1]}"
  case "\${COMP_WORDS[1]} \${COMP_WORDS[2]}" in
    'sandbox trigger'|'certificates download') at="\${COMP_WORDS[1]} \${COMP_WORDS[2]}" ;;
  esac
  case "$at $prev" in
    'request -m'|'request --method') COMPREPLY=( $(compgen -W ${quoted(w.verbs)} -- "$cur") ); return ;;
    'completion completion') COMPREPLY=( $(compgen -W 'bash zsh' -- "$cur") ); return ;;
  esac
  if [[ "$cur" != -* ]]; then
    if [ "$at" = request ] && [ "$COMP_CWORD" -eq 2 ]; then
      COMPREPLY=( $(compgen -W "$_wechatpay_chain_templates" -- "$cur") )
      return
    fi
    if [ "$at" = 'sandbox trigger' ] && [ "$COMP_CWORD" -eq 3 ]; then
      COMPREPLY=( $(compgen -W "$_wechatpay_chain_events" -- "$cur") )
      return
    fi
  fi
  case "$at" in
${cases.join('\n')}
    *) flags='' ;;
  esac
  COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
}
complete -o default -F _wechatpay_chain wechatpay-chain wechatpay
`;
}

function zsh(cli: Command): string {
  const w = words(cli);
  const array = (list: readonly string[]) => `(${list.map((word) => `'${word.replace(/'/g, '')}'`).join(' ')})`;
  const cases = Object.entries(w.after).map(([path, list]) => `    '${path}') flags=${array(list)} ;;`);
  return `#compdef wechatpay-chain wechatpay
# wechatpay-chain completion for zsh: source <(wechatpay-chain completion zsh)   (after compinit)
_wechatpay_chain() {
  local -a templates events flags
  local at
  templates=${array(w.templates)}
  events=${array(w.events)}
  if (( CURRENT == 2 )); then
    compadd -- ${w.commands.join(' ')}
    return
  fi
  at=$words[2]
  case "$words[2] $words[3]" in
    'sandbox trigger'|'certificates download') at="$words[2] $words[3]" ;;
  esac
  case "$at $words[CURRENT-1]" in
    'request -m'|'request --method') compadd -- ${w.verbs.join(' ')}; return ;;
    'completion completion') compadd -- bash zsh; return ;;
  esac
  if [[ $PREFIX != -* ]]; then
    if [[ $at == request ]] && (( CURRENT == 3 )); then compadd -Q -- $templates; return; fi
    if [[ $at == 'sandbox trigger' ]] && (( CURRENT == 4 )); then compadd -- $events; return; fi
  fi
  case "$at" in
${cases.join('\n')}
    *) flags=() ;;
  esac
  compadd -- $flags
  _files
}
if (( $+functions[compdef] )); then compdef _wechatpay_chain wechatpay-chain wechatpay; fi
`;
}

/** Adds `completion` to the CLI. */
export function registerCompletion(cli: Command): void {
  cli.command('completion')
    .description('print a shell completion script (commands, options, endpoint templates, event types)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText('after', '\nInstall:\n  bash: eval "$(wechatpay-chain completion bash)"   (in ~/.bashrc)\n  zsh:  source <(wechatpay-chain completion zsh)    (in ~/.zshrc, after compinit)')
    .action((shell: 'bash' | 'zsh') => {
      process.stdout.write(shell === 'bash' ? bash(cli) : zsh(cli));
    });
}
