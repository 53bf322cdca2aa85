/** Markdown for the generated reference pages (docs/configuration.md, commands.md, errors.md). */

/** Text for a table cell: a `|` would end the cell, a line break the row. */
export const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** Prose for a Markdown cell: `<dir>` outside code spans would be read as an HTML tag and vanish. */
export const prose = (text: string): string =>
  text
    .split('`')
    .map((part, i) => (i % 2 ? part : part.replaceAll('<', '&lt;').replaceAll('>', '&gt;')))
    .join('`');

/** The anchor GitHub gives a heading. */
export const anchor = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replaceAll(' ', '-');
