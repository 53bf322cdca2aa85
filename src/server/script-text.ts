/**
 * A server script as it travels: without its comment-only and blank lines. Every deploy sends the scripts it runs
 * (uploaded into the release, or as `sh -c` arguments), and their comments — a third of their size — are for the
 * reader of src/server/sh/, not for the server. Heredoc bodies are data and stay whole; a `#` after code stays
 * (it may be data: `${#x}`, `'#'`). Written here because no maintained package strips POSIX sh comments.
 */
export function withoutComments(script: string): string {
  const out: string[] = [];
  let heredocEnd: string | undefined;
  for (const [i, line] of script.split('\n').entries()) {
    if (heredocEnd !== undefined) {
      out.push(line);
      if (line.replace(/^\t+/, '') === heredocEnd) heredocEnd = undefined;
      continue;
    }
    const trimmed = line.trim();
    if (i === 0 && trimmed.startsWith('#!')) out.push(line);
    else if (trimmed === '' || trimmed.startsWith('#')) continue;
    else {
      out.push(line);
      heredocEnd = heredocStart(line);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The terminator of a heredoc a line opens (`<<EOF`, `<<-'EOF'`, `<< "EOF"`), if it opens one. */
function heredocStart(line: string): string | undefined {
  const m = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(line);
  return m ? m[2] : undefined;
}
