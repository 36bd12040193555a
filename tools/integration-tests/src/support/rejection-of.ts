import { Code, ConnectError } from '@weft/client';

/** How a call failed: the Connect code by name (e.g. "InvalidArgument") and the message without its code prefix. */
export interface Rejection {
  readonly code: string;
  readonly message: string;
}

/** Awaits `call` and returns how it was rejected; a call that succeeds yields code "OK" so the diff shows it. */
export async function rejectionOf(call: Promise<unknown>): Promise<Rejection> {
  try {
    await call;
  } catch (err) {
    const connectError = ConnectError.from(err);
    return { code: Code[connectError.code], message: connectError.rawMessage };
  }
  return { code: 'OK', message: 'the call succeeded' };
}
