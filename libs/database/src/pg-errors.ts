/** SQLSTATE codes the repositories turn into domain outcomes. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export function isPgError(error: unknown, sqlState: string): boolean {
  const err = error as { code?: unknown; driverError?: { code?: unknown } };
  return err?.code === sqlState || err?.driverError?.code === sqlState;
}
