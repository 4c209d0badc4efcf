import type { ComponentChildren } from 'preact';
import { Empty, ErrorNotice, Loading } from './ui.js';

export interface Column<T> {
  header: string;
  /** The header is read by screen readers only (an actions column). */
  hideHeader?: boolean;
  cell: (row: T) => ComponentChildren;
  class?: string;
}

/**
 * The shape every list in the dashboard takes: its load error, a loading line before the
 * first answer, a readable empty state, else a captioned table that scrolls sideways in
 * place on a narrow screen. A column given as `false` is left out (an action column the
 * viewer may not use).
 */
export function DataTable<T>(props: {
  caption: string;
  rows: readonly T[] | undefined;
  columns: readonly (Column<T> | false | null | undefined)[];
  rowKey: (row: T) => string;
  empty: ComponentChildren;
  error?: unknown;
  loading?: boolean;
  rowClass?: (row: T) => string | undefined;
}) {
  const columns = props.columns.filter((c): c is Column<T> => Boolean(c));
  const rows = props.rows;
  return (
    <>
      <ErrorNotice error={props.error} />
      {props.loading && !rows ? <Loading /> : null}
      {rows?.length === 0 ? <Empty>{props.empty}</Empty> : null}
      {rows && rows.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{props.caption}</caption>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.header} scope="col">
                    {c.hideHeader ? <span class="visually-hidden">{c.header}</span> : c.header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={props.rowKey(row)} class={props.rowClass?.(row)}>
                  {columns.map((c) => (
                    <td key={c.header} class={c.class}>
                      {c.cell(row)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
