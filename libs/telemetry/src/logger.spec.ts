import { PassThrough } from 'node:stream';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes one JSON object per line with service, level label and base fields', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ service: 'mapper', level: 'debug', base: { nodeId: 'm-1' }, destination: out });
    log.info({ address: 'http://127.0.0.1:1' }, 'ready');
    log.trace('not written');
    await new Promise((r) => setImmediate(r));
    const lines = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'mapper', nodeId: 'm-1', msg: 'ready', address: 'http://127.0.0.1:1' });
  });
});
