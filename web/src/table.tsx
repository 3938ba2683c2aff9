// The dashboard's list tables on TanStack Table: the library keeps the sorting, selection and paging state
// and sorts the rows; the markup (a plain <table> with our classes, so the phone layout's hidden `.wide`
// columns stay), the header buttons and their aria-sort are ours. Lists load through TanStack Query.
import { useQuery } from '@tanstack/react-query';
import { flexRender, type RowData, type SortingFn, type Table } from '@tanstack/react-table';
import { allPages } from './api.ts';
import './tables.css';

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData extends RowData, TValue> {
    /** The class of the column's cells (`wide`: hidden on a phone; `select`: the checkbox column). */
    className?: string;
  }
}

/** Every page of a list (`allPages`), cached under its path like `useApiGet`, so `invalidate(path)` reaches it. */
export function useAllPages<T>(path: string) {
  return useQuery({ queryKey: [path, 'all'], queryFn: () => allPages<T>(path) });
}

/** Text sorted as the reader's language sorts it (pinyin for Chinese names), numbers inside it by value ("1.10" after "1.9"). */
export function textSort<T>(locale: string): SortingFn<T> {
  const collator = new Intl.Collator(locale, { numeric: true, sensitivity: 'base' });
  return (a, b, id) => collator.compare(String(a.getValue(id) ?? ''), String(b.getValue(id) ?? ''));
}

/**
 * The table's header: each sortable column's title is a button that sorts by it (again: the other way, a
 * third time: back to the list's own order), and the column the rows are sorted by says so with aria-sort.
 */
export function TableHead<T>({ table }: { table: Table<T> }) {
  const primary = table.getState().sorting[0]?.id;
  return (
    <thead>
      {table.getHeaderGroups().map((group) => (
        <tr key={group.id}>
          {group.headers.map((header) => {
            const column = header.column;
            const content = header.isPlaceholder ? null : flexRender(column.columnDef.header, header.getContext());
            if (!column.getCanSort()) return <th key={header.id} scope="col" className={column.columnDef.meta?.className}>{content}</th>;
            const direction = column.getIsSorted();
            const ariaSort = column.id === primary && direction ? (direction === 'asc' ? 'ascending' : 'descending') : 'none';
            return (
              <th key={header.id} scope="col" className={column.columnDef.meta?.className} aria-sort={ariaSort}>
                <button type="button" className="sort" data-sorted={direction || undefined} onClick={column.getToggleSortingHandler()}>
                  <span>{content}</span><span className="sort-mark" aria-hidden="true">{direction === 'asc' ? '▲' : direction === 'desc' ? '▼' : '↕'}</span>
                </button>
              </th>
            );
          })}
        </tr>
      ))}
    </thead>
  );
}
