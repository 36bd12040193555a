import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConfigError } from '@weft/errors';
import { TokenStore, parseTokens } from './auth-tokens.js';

const alice = 'alice-token-0123456789';
const admin = 'admin-token-0123456789';

describe('parseTokens', () => {
  it('reads "<token> <scopes> [<name>]" lines, skipping blanks and comments', () => {
    const entries = parseTokens(`# tokens\n\n${alice} submit,read alice\n  ${admin} admin  \n`, 'tokens');
    expect(entries.map((e) => ({ name: e.principal.name, scopes: [...e.principal.scopes] }))).toEqual([
      { name: 'alice', scopes: ['submit', 'read'] },
      { name: expect.stringMatching(/^token-[0-9a-f]{12}$/), scopes: ['admin'] },
    ]);
  });

  it('names every bad line, never echoing a token', () => {
    const error = (() => {
      try {
        parseTokens(`short read\n${alice}\n${alice} write\n${alice} read bad/name\n${alice} read a b`, 'f');
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(error)).toBe(true);
    expect((error as { problems: string[] }).problems).toEqual([
      'f line 1: the token must be at least 16 printable ASCII characters',
      'f line 2: expected "<token> <scope>[,<scope>...] [<name>]"',
      'f line 3: unknown scope write (expected submit, read, admin)',
      "f line 4: the name must be 1-64 letters, digits, '.', '@', '_' or '-'",
      'f line 5: expected "<token> <scope>[,<scope>...] [<name>]"',
    ]);
    expect(JSON.stringify(error)).not.toContain(alice);
  });
});

describe('TokenStore', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-tokens-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies exact tokens only', () => {
    const file = join(dir, 'tokens');
    writeFileSync(file, `${alice} submit,read alice\n`);
    const store = new TokenStore(file);
    try {
      expect(store.verify(alice)?.name).toBe('alice');
      for (const wrong of ['', alice.slice(0, -1), `${alice}x`, alice.toUpperCase(), admin]) expect(store.verify(wrong)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('refuses a missing or empty file with a ConfigError naming the variable', () => {
    expect(() => new TokenStore(join(dir, 'none'))).toThrow(/GATEWAY_TOKENS_FILE .*none cannot be read/);
    writeFileSync(join(dir, 'empty'), '# nothing\n');
    expect(() => new TokenStore(join(dir, 'empty'))).toThrow(/GATEWAY_TOKENS_FILE .*empty holds no token/);
  });

  it('re-reads the file when it changes and keeps the old tokens when the new file is bad', async () => {
    const file = join(dir, 'tokens');
    writeFileSync(file, `${alice} read alice\n`);
    const reloads: number[] = [];
    const errors: unknown[] = [];
    const store = new TokenStore(file, { pollMs: 20, onReload: (n) => reloads.push(n), onReloadError: (e) => errors.push(e) });
    try {
      writeFileSync(file, `${admin} admin ops\n${alice} read,submit alice\n`);
      await waitFor(() => reloads.length === 1);
      expect(store.verify(admin)?.name).toBe('ops');
      writeFileSync(file, 'garbage\n');
      await waitFor(() => errors.length === 1);
      expect(store.verify(admin)?.name).toBe('ops');
    } finally {
      store.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
