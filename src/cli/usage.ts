/** A command line the command cannot take: `nenc` exits 2, as for an unknown command. */
export class UsageError extends Error {}

/** node:util's parseArgs error as a UsageError pointing at the command's help. */
export function usageError(command: string, error: unknown): UsageError {
  // node:util says "Unknown option '--x'. To specify a positional argument starting with a '-', ...".
  const reason = (error as Error).message.split(". ")[0] ?? "bad command line";
  return new UsageError(`${reason}; see nenc ${command} --help`);
}
