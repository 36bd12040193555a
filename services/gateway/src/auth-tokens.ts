import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '@weft/errors';
import { statSignature } from '@weft/rpc';

/** What a token may do. `admin` implies every other scope and sees every job. */
export const scopes = ['submit', 'read', 'admin'] as const;
/** One scope of {@link scopes}. */
export type Scope = (typeof scopes)[number];

/** The caller a valid token stands for. */
export interface Principal {
  /** Stable name of the caller: the token line's name, else `token-<first 12 hex of sha256(token)>`. */
  readonly name: string;
  /** What the token may do. */
  readonly scopes: ReadonlySet<Scope>;
}

interface TokenEntry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/** Shortest token accepted, in characters: shorter ones are guessable. */
export const minTokenLength = 16;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Parses a tokens file. One token per line: `<token> <scope>[,<scope>...] [<name>]`, e.g.
 * `3f9c0d1e2b4a5f6e7d8c submit,read alice`. Blank lines and lines starting with `#` are skipped.
 * Scopes: submit, read, admin. Tokens are at least 16 characters of printable ASCII without spaces.
 * Two lines with one name are one principal (rotation: add the new token under the same name,
 * then remove the old line), so jobs stay visible across a rotation.
 * @throws ConfigError naming the file and each bad line (never echoing the token).
 */
export function parseTokens(text: string, file: string): TokenEntry[] {
  const problems: string[] = [];
  const entries: TokenEntry[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${file} line ${index + 1}`;
    const [token = '', scopeList = '', name, ...rest] = line.split(/\s+/);
    if (rest.length > 0 || scopeList === '') {
      problems.push(`${where}: expected "<token> <scope>[,<scope>...] [<name>]"`);
      continue;
    }
    if (token.length < minTokenLength || !/^[\x21-\x7e]+$/.test(token)) {
      problems.push(`${where}: the token must be at least ${minTokenLength} printable ASCII characters`);
      continue;
    }
    const granted = scopeList.split(',').filter(Boolean);
    const unknown = granted.filter((s) => !(scopes as readonly string[]).includes(s));
    if (unknown.length > 0) {
      problems.push(`${where}: unknown scope ${unknown.join(', ')} (expected ${scopes.join(', ')})`);
      continue;
    }
    if (name !== undefined && !/^[\w.@-]{1,64}$/.test(name)) {
      problems.push(`${where}: the name must be 1-64 letters, digits, '.', '@', '_' or '-'`);
      continue;
    }
    const digest = sha256(token);
    entries.push({ digest, principal: { name: name ?? `token-${digest.toString('hex').slice(0, 12)}`, scopes: new Set(granted as Scope[]) } });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return entries;
}

/** Options of {@link TokenStore}. */
export interface TokenStoreOptions {
  /** How often the file's size, mtime and inode are checked for a change, in ms (default 1000). */
  readonly pollMs?: number;
  /** Called when a re-read fails; the previous tokens stay in force. */
  readonly onReloadError?: (error: unknown) => void;
  /** Called after a successful re-read with the number of tokens now valid. */
  readonly onReload?: (count: number) => void;
}

/**
 * The valid bearer tokens, from a file re-read when it changes (rotation without a restart: a
 * Kubernetes Secret volume swaps the file atomically). Only sha256 digests are kept in memory.
 * A file that becomes unreadable or malformed leaves the previous tokens in force (logged), so a
 * half-written file never locks every caller out.
 */
export class TokenStore {
  private entries: TokenEntry[];
  private signature: string;
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  /** Reads `file` now. @throws ConfigError when it is missing, empty or malformed. */
  constructor(
    private readonly file: string,
    private readonly options: TokenStoreOptions = {},
  ) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
      this.signature = statSignature(statSync(file));
    } catch (error) {
      throw new ConfigError([`GATEWAY_TOKENS_FILE ${file} cannot be read: ${(error as Error).message}`]);
    }
    this.entries = parseTokens(text, file);
    if (this.entries.length === 0) throw new ConfigError([`GATEWAY_TOKENS_FILE ${file} holds no token`]);
    this.timer = setInterval(() => void this.check(), options.pollMs ?? 1000);
    this.timer.unref();
  }

  /** Number of valid tokens. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * The principal of `presented`, or undefined. Both sides are sha256 digests compared with
   * `timingSafeEqual`, and every entry is compared, so the time taken says nothing about which
   * token (or how much of one) matched.
   */
  verify(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.principal;
    }
    return found;
  }

  /** Stops watching the file. */
  close(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const signature = statSignature(await stat(this.file));
      if (signature === this.signature) return;
      // Remember it even if the read fails: a bad file is reported once, not every poll.
      this.signature = signature;
      const entries = parseTokens(await readFile(this.file, 'utf8'), this.file);
      if (entries.length === 0) throw new ConfigError([`GATEWAY_TOKENS_FILE ${this.file} holds no token`]);
      this.entries = entries;
      this.options.onReload?.(entries.length);
    } catch (error) {
      this.options.onReloadError?.(error);
    } finally {
      this.checking = false;
    }
  }
}
