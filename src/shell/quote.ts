/**
 * The one quoting function: everything that reaches a remote shell goes through it.
 *
 * POSIX single quotes make every byte literal except the single quote itself, which is written as `'\''`
 * (close, escaped quote, reopen). That holds in sh, dash, bash, ksh and zsh. Plain words made only of safe
 * characters are left bare so that logs stay readable.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte');
  if (arg !== '' && SAFE_WORD.test(arg) && !arg.startsWith('=')) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Quote an argv into one command line for `sh`. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('empty argv');
  return argv.map(quote).join(' ');
}
