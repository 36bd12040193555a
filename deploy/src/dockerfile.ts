import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deployDir } from './paths.js';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY, ... */
  readonly keyword: string;
  readonly args: string;
}

/** One build stage: its `FROM` line and the instructions after it. */
export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** The image recipe, parsed just enough to check what the image runs. */
export interface Dockerfile {
  readonly args: Record<string, string>;
  readonly stages: readonly Stage[];
}

/** Path of the image recipe. */
export const dockerfilePath = path.join(deployDir, 'docker', 'Dockerfile');

/**
 * Parses `text` into stages (comments and parser directives dropped, `\` continuations joined).
 * Global `ARG name=value` lines before the first FROM are kept so FROM lines can be expanded.
 */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    pending += line.replace(/\\\s*$/, ' ');
    if (/\\\s*$/.test(line)) continue;
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(pending);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim() });
    pending = '';
  }

  const args: Record<string, string> = {};
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      const from = image!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => args[(a ?? b)!] ?? '');
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      const arg = /^(\w+)=(.*)$/.exec(instruction.args);
      if (instruction.keyword === 'ARG' && arg) args[arg[1]!] = arg[2]!;
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** Reads and parses {@link dockerfilePath}. */
export function readDockerfile(): Dockerfile {
  return parseDockerfile(readFileSync(dockerfilePath, 'utf8'));
}

/** The last value of `keyword` in `stage` (later instructions override earlier ones). */
export function lastInstruction(stage: Stage, keyword: string): string | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
}

/** Parses an exec-form list such as `["node", "main.js"]`; throws on shell form. */
export function execForm(value: string | undefined, what: string): string[] {
  if (value === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  // Shell form would run the service under /bin/sh, which does not pass SIGTERM on: no drain.
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new Error(`${what} must use the exec form ["..."], got ${value}`);
  }
  return parsed as string[];
}
