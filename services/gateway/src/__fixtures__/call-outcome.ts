import { Code, ConnectError } from '@connectrpc/connect';

/** How a call ended, for a spec's expectations: `OK`, or `<Code>: <message>` of the error it raised. */
export async function callOutcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    const e = ConnectError.from(error);
    return `${Code[e.code]}: ${e.rawMessage}`;
  }
}
