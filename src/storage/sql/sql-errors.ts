/** True when a driver error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505'
  );
}

/**
 * Runs `attempt` (a transaction that replaces a row a partial unique index allows once)
 * again while the index refuses it, at most `maxAttempts` times. On PostgreSQL a row
 * written by a transaction running at the same moment is invisible to this one's delete;
 * the index refuses the insert once the other commits, and the next run sees and replaces
 * that row. Each refusal means another writer went in, so N writers at once need at most N
 * runs.
 */
export async function retryOnUniqueViolation<T>(
  attempt: () => Promise<T>,
  maxAttempts = 32,
): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await attempt();
    } catch (error) {
      if (run < maxAttempts && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}
