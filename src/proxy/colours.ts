/** The two slots of a blue/green app: its colour projects, routes and state files are named after them. */
export const COLOURS = ['blue', 'green'] as const;
export type Colour = (typeof COLOURS)[number];
