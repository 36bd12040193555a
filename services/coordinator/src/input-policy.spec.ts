import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkInputPath, checkInputUrl, checkOutputDir, type InputPolicy } from './input-policy.js';

let dir = '';
let policy: InputPolicy;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'input-policy-'));
  await mkdir(path.join(dir, 'root'));
  await mkdir(path.join(dir, 'outside'));
  await writeFile(path.join(dir, 'root', 'a.txt'), 'a');
  await writeFile(path.join(dir, 'outside', 'secret.txt'), 's');
  await symlink(path.join(dir, 'outside', 'secret.txt'), path.join(dir, 'root', 'link.txt'));
  await mkdir(path.join(dir, 'root', 'full'));
  await writeFile(path.join(dir, 'root', 'full', 'x'), 'x');
  policy = { roots: [path.join(dir, 'root')], urlHosts: ['127.0.0.1'] };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('input policy', () => {
  it('accepts files under a root and rejects others, symlinks resolved', async () => {
    await expect(checkInputPath(policy, path.join(dir, 'root', 'a.txt'), 'f')).resolves.toBeUndefined();
    await expect(checkInputPath(policy, path.join(dir, 'outside', 'secret.txt'), 'f')).rejects.toThrow(`f is outside the allowed input roots (${dir}/root): ${dir}/outside/secret.txt`);
    await expect(checkInputPath(policy, path.join(dir, 'root', 'link.txt'), 'f')).rejects.toThrow('f is outside the allowed input roots');
    await expect(checkInputPath({ ...policy, roots: ['/'] }, path.join(dir, 'outside', 'secret.txt'), 'f')).resolves.toBeUndefined();
    await expect(checkInputPath({ ...policy, internalRoots: [path.join(dir, 'outside')] }, path.join(dir, 'outside', 'secret.txt'), 'f')).resolves.toBeUndefined();
  });

  it('checks URLs against the host list', () => {
    expect(checkInputUrl(policy, 'http://127.0.0.1:8080/x', 'u').port).toBe('8080');
    expect(() => checkInputUrl(policy, 'http://localhost/x', 'u')).toThrow('u host "localhost" is not on the allow-list (127.0.0.1)');
    expect(() => checkInputUrl(policy, 'ftp://127.0.0.1/x', 'u')).toThrow('u must use http or https, got ftp');
    expect(() => checkInputUrl(policy, 'http://me:pw@127.0.0.1/', 'u')).toThrow('u must not carry credentials');
    expect(() => checkInputUrl(policy, 'not a url', 'u')).toThrow('u must be an absolute http(s) URL, got "not a url"');
  });

  it('wants an output dir that is absolute, under a root, and missing or empty', async () => {
    await expect(checkOutputDir(policy, path.join(dir, 'root', 'new'), 'o')).resolves.toBeUndefined();
    await expect(checkOutputDir(policy, 'rel', 'o')).rejects.toThrow('o must be an absolute path, got "rel"');
    await expect(checkOutputDir(policy, path.join(dir, 'root', 'full'), 'o')).rejects.toThrow(`o must be empty or not exist yet: ${dir}/root/full`);
    await expect(checkOutputDir(policy, path.join(dir, 'root', 'a.txt'), 'o')).rejects.toThrow('o is not a directory');
    await expect(checkOutputDir(policy, path.join(dir, 'outside', 'o'), 'o')).rejects.toThrow('o is outside the allowed input roots');
  });
});
