import { isConfigError } from '@weft/errors';
import { createEnvReader, parseBytes, parseDurationMs } from './env-reader.js';

describe('createEnvReader', () => {
  it('reads typed values and falls back to defaults for unset or blank variables', () => {
    const read = createEnvReader({ A_PORT: '7400', A_URL: 'http://x:1/', A_BLANK: '  ', A_LIST: 'a, b,,c', A_ON: 'yes' });
    expect(read.port('A_PORT', 1)).toBe(7400);
    expect(read.url('A_URL')).toBe('http://x:1');
    expect(read.string('A_BLANK', 'dflt')).toBe('dflt');
    expect(read.list('A_LIST')).toEqual(['a', 'b', 'c']);
    expect(read.bool('A_ON', false)).toBe(true);
    expect(read.durationMs('A_MISSING', '30s')).toBe(30_000);
    expect(read.bytes('A_MISSING', '64MiB')).toBe(64 * 1024 * 1024);
    expect(() => read.assertValid()).not.toThrow();
  });

  it('collects every problem and names each variable', () => {
    const read = createEnvReader({ P: '70000', D: 'soon', M: 'fast' });
    read.port('P', 1);
    read.durationMs('D', '1s');
    read.url('REQUIRED_URL');
    read.oneOf('M', ['debug', 'info'] as const, 'info');
    let caught: unknown;
    try {
      read.assertValid();
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as { problems: string[] }).problems).toEqual([
      'P must be a port number 0-65535, got "70000"',
      'D must be a duration like 500ms, 30s or 5m, got "soon"',
      'REQUIRED_URL is required (an http(s) URL)',
      'M must be one of debug, info, got "fast"',
    ]);
  });

  it('parses durations and sizes', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('1500')).toBe(1500);
    expect(parseDurationMs('1 fortnight')).toBeUndefined();
    expect(parseBytes('512KB')).toBe(512_000);
    expect(parseBytes('1GiB')).toBe(1024 ** 3);
    expect(parseBytes('12 parsecs')).toBeUndefined();
  });
});
