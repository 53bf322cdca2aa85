/**
 * The host strings of gangway.yml targets: `local`, `user@host`, `host:port`, `user@[::1]:2222`, an ssh_config alias.
 */

export type HostSpec =
  { kind: 'local'; label: 'local' } | { kind: 'ssh'; label: string; host: string; user?: string; port?: number };

const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** Parse one host string; returns an error message (no exception) for use in config validation. */
export function parseHostSpec(text: string): HostSpec | { error: string } {
  if (text === 'local') return { kind: 'local', label: 'local' };
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : undefined;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  if (user !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(user))
    return { error: `"${user}" is not a valid user name` };
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else {
    const parts = rest.split(':');
    if (parts.length > 2) return { error: 'IPv6 addresses must be written in brackets, e.g. user@[2001:db8::1]:22' };
    host = parts[0]!;
    portText = parts[1];
    if (!HOSTNAME.test(host)) return { error: `"${host}" is not a valid host name` };
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
      return { error: `port "${portText}" must be a number from 1 to 65535` };
  }
  return { kind: 'ssh', label: text, host, ...(user !== undefined && { user }), ...(port !== undefined && { port }) };
}
