import { execFileSync } from 'node:child_process';
import { hasCommand } from '../scenarios/wordcount-baselines.js';
import { PYTHON_WHITESPACE_CODE_POINTS } from './__fixtures__/reference-word-count.js';
import { isPythonWhitespace } from './python-whitespace.js';

function allWhitespace(): number[] {
  const found: number[] = [];
  for (let c = 0; c < 0x110000; c++) if (isPythonWhitespace(c)) found.push(c);
  return found;
}

describe('isPythonWhitespace', () => {
  it('matches the documented list of str.isspace() code points', () => {
    expect(allWhitespace()).toEqual(PYTHON_WHITESPACE_CODE_POINTS);
  });

  it('differs from JavaScript \\s exactly where Python does', () => {
    expect(isPythonWhitespace(0x1c)).toBe(true);
    expect(/\s/.test('\u001c')).toBe(false);
    expect(isPythonWhitespace(0x85)).toBe(true);
    expect(/\s/.test('\u0085')).toBe(false);
    expect(isPythonWhitespace(0xfeff)).toBe(false);
    expect(/\s/.test('\ufeff')).toBe(true);
  });

  (hasCommand('python3') ? it : it.skip)('agrees with python3 itself', () => {
    const stdout = execFileSync('python3', ['-c', 'import json; print(json.dumps([c for c in range(0x110000) if chr(c).isspace()]))'], {
      encoding: 'utf8',
    });
    expect(allWhitespace()).toEqual(JSON.parse(stdout));
  });
});
