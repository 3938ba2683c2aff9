// Times are stored as ISO-8601 UTC text of fixed width, so text order is time order in both databases.

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export const iso = (date: Date): string => date.toISOString();
export const addMs = (date: Date, ms: number): Date => new Date(date.getTime() + ms);
