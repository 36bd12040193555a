/**
 * The message of any thrown value: a ConnectError's `rawMessage` (its message without the
 * `[code]` prefix Connect adds), else an Error's `message`, else the value as a string.
 */
export function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'rawMessage' in error) return String((error as { rawMessage: unknown }).rawMessage);
  return error instanceof Error ? error.message : String(error);
}
