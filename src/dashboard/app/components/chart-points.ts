/**
 * The indices of values with no value on either side: a line needs two points, so without
 * a dot such a value would not show at all (a mean latency over the one bucket that had
 * requests, on a fresh install).
 */
export function isolatedPoints(values: readonly (number | null | undefined)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++)
    if (values[i] != null && values[i - 1] == null && values[i + 1] == null) out.push(i);
  return out;
}
