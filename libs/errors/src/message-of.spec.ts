import { messageOf } from './message-of.js';

describe('messageOf', () => {
  it("takes a ConnectError-like value's rawMessage (no [code] prefix), an Error's message, else the value as text", () => {
    const connectLike = Object.assign(new Error('[unavailable] mapper-1 is gone'), { rawMessage: 'mapper-1 is gone' });
    expect(messageOf(connectLike)).toBe('mapper-1 is gone');
    expect(messageOf(new RangeError('run is truncated'))).toBe('run is truncated');
    expect(messageOf('plain text')).toBe('plain text');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
  });
});
