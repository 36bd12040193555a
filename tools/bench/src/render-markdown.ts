import { formatMachine } from './machine.js';
import type { BenchReport, GoalResult, RatioResult } from './report.js';
import type { Spread } from './summarize.js';

/** Metrics with their own column; any other metric goes to the "other" column. */
const FIXED = new Set(['elapsedMs', 'mbPerSecond', 'itemsPerSecond', 'peakRssMb']);

/** Renders a report as Markdown: machine, corpus, a results table, the ratios and the checks. */
export function renderMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`# Weft benchmark, ${report.date} (${report.mode})`, '');
  lines.push(`- Machine: ${formatMachine(report.machine)}`);
  lines.push(
    `- Corpus: ${(report.corpus.bytes / 1024 / 1024).toFixed(1)} MB, ${report.corpus.lines.toLocaleString('en-US')} lines, seed ${report.corpus.seed}`,
  );
  lines.push(`- Runs per entry: ${report.runs}; cells show the median, then min-max. MB = 2^20 bytes.`);
  lines.push(
    '- Peak RSS: the highest sampled sum of resident memory over all processes of an entry (a Python pool ' +
      'or a cluster: shared pages count once per process), never below what a process reports itself.',
  );
  const endLoad = report.loadAverage1mAtEnd === undefined ? '' : ` (1-minute load average then: ${report.loadAverage1mAtEnd})`;
  lines.push(`- Started ${report.startedAt}, finished ${report.finishedAt}${endLoad}.`);
  for (const scenario of report.scenarios) {
    if (scenario.error) lines.push(`- **Scenario ${scenario.name} failed:** ${oneLine(scenario.error)}`);
    if (scenario.notAvailable) lines.push(`- Scenario ${scenario.name}: not available: ${oneLine(scenario.notAvailable)}`);
  }
  lines.push('', '## Results', '');
  lines.push('| entry | what | throughput | elapsed (ms) | peak RSS (MB) | other | runs |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const entry of report.entries) {
    const s = entry.summary;
    const throughput = s.mbPerSecond
      ? `${cell(s.mbPerSecond, 1)} MB/s`
      : s.itemsPerSecond
        ? `${cell(s.itemsPerSecond, 0)} items/s`
        : '';
    const other = Object.entries(s)
      .filter(([key]) => !FIXED.has(key))
      .map(([key, spreadOf]) => `${key} ${cell(spreadOf, 2)}`)
      .join('; ');
    lines.push(
      `| ${entry.id} | ${entry.description} | ${throughput} | ${s.elapsedMs ? cell(s.elapsedMs, 0) : ''} | ` +
        `${s.peakRssMb ? cell(s.peakRssMb, 0) : ''} | ${other} | ${entry.runs.length} |`,
    );
  }
  if (report.ratios.length > 0) {
    lines.push('', '## Ratios (medians of this run)', '');
    lines.push('| ratio | numerator / denominator | metric | value | goal |');
    lines.push('| --- | --- | --- | --- | --- |');
    for (const ratio of report.ratios) {
      lines.push(
        `| ${ratio.name} | ${ratio.numerator} / ${ratio.denominator} | ${ratio.metric} | ` +
          `${ratio.value === null ? `n/a (${ratio.note ?? ''})` : `${ratio.value.toFixed(2)}x`} | ${goal(ratio)} |`,
      );
    }
  }
  const goals = [...report.ratios.filter((r) => r.goal), ...(report.goals ?? [])];
  if (goals.length > 0) {
    lines.push('', '## Goals of issue 7 (medians of this run)', '');
    lines.push('| goal | measured | target | status |');
    lines.push('| --- | --- | --- | --- |');
    for (const g of [...goals].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const measured = g.value === null ? `n/a (${g.note ?? ''})` : 'numerator' in g ? `${g.value.toFixed(2)}x` : `${formatGoalValue(g)}`;
      const status = g.met === undefined ? 'not measured' : g.met ? 'met' : '**not met**';
      lines.push(`| ${g.name} | ${measured} | ${target(g)} | ${status} |`);
    }
  }
  if (report.checks.length > 0) {
    lines.push('', '## Checks', '');
    for (const check of report.checks) lines.push(`- ${check.ok ? 'PASS' : '**FAIL**'} ${check.name}: ${check.detail}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Median (min-max); `digits` decimals, more for small values so 0.73 items/s does not print as 1. */
function cell(s: Spread, digits: number): string {
  const f = (n: number): string => {
    const places = Math.abs(n) >= 10 || n === 0 ? digits : Math.max(digits, 2);
    return n.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places });
  };
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}-${f(s.max)})`;
}

function formatGoalValue(goal: GoalResult): string {
  const value = goal.value ?? 0;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 2 });
  return `${text} ${goal.metric}`;
}

function target(g: RatioResult | GoalResult): string {
  const parts = [];
  const unit = 'numerator' in g ? 'x' : ` ${g.metric}`;
  if (g.goal?.atLeast !== undefined) parts.push(`>= ${g.goal.atLeast}${unit}`);
  if (g.goal?.atMost !== undefined) parts.push(`<= ${g.goal.atMost}${unit}`);
  return parts.join(', ');
}

function goal(ratio: RatioResult): string {
  if (!ratio.goal) return '';
  const parts = [];
  if (ratio.goal.atLeast !== undefined) parts.push(`>= ${ratio.goal.atLeast}x`);
  if (ratio.goal.atMost !== undefined) parts.push(`<= ${ratio.goal.atMost}x`);
  const status = ratio.met === undefined ? '' : ratio.met ? ' met' : ' **not met**';
  return `${parts.join(', ')}${status}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
