// Saved views on the wire.
import { Type, type Static } from 'typebox';
import { MAX_NAME_LENGTH, SAVED_VIEW_PAGES, type SavedViewPage } from './saved-views.rules.ts';

const Page = Type.Enum(Object.keys(SAVED_VIEW_PAGES) as SavedViewPage[], { description: 'the list page: terminals or incidents' });

export const SavedView = Type.Object({
  id: Type.String(),
  page: Page,
  name: Type.String(),
  query: Type.String({ description: 'the filters as an address query, e.g. fault=printer_jam&online=true; open /PAGE?QUERY' }),
  createdAt: Type.String({ format: 'date-time' }),
});
export type SavedView = Static<typeof SavedView>;

export const SavedViewQuery = Type.Object({ page: Page }, { additionalProperties: false });

export const SavedViewInput = Type.Object({
  page: Page,
  name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
  query: Type.String({ maxLength: 2000, description: "the page's filters as in its address; other keys are refused" }),
}, { additionalProperties: false });
export type SavedViewInput = Static<typeof SavedViewInput>;
