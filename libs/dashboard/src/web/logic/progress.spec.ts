import { create } from '@bufbuild/protobuf';
import { Phase, PhaseProgressSchema } from '@weft/proto';
import { phaseLabel, phaseOf, phasePercent } from './progress.js';

const progress = (tasksDone: number, tasksTotal: number) => create(PhaseProgressSchema, { phase: Phase.MAP, tasksDone, tasksTotal });

describe('phasePercent', () => {
  it('rounds down, so only a finished phase reads 100', () => {
    expect([phasePercent(progress(0, 3)), phasePercent(progress(1, 3)), phasePercent(progress(2, 3)), phasePercent(progress(3, 3))]).toEqual([0, 33, 66, 100]);
    expect(phasePercent(progress(995, 1000))).toBe(99);
  });

  it('reads 0 before the phase is planned or reported, and never above 100', () => {
    expect(phasePercent(progress(0, 0))).toBe(0);
    expect(phasePercent(undefined)).toBe(0);
    expect(phasePercent(progress(5, 4))).toBe(100);
  });
});

describe('phaseOf and phaseLabel', () => {
  it('find a phase and name it', () => {
    const reduce = create(PhaseProgressSchema, { phase: Phase.REDUCE, tasksTotal: 2 });
    expect(phaseOf([progress(1, 2), reduce], Phase.REDUCE)).toBe(reduce);
    expect(phaseOf([progress(1, 2)], Phase.REDUCE)).toBeUndefined();
    expect([phaseLabel(Phase.MAP), phaseLabel(Phase.REDUCE), phaseLabel(Phase.UNSPECIFIED)]).toEqual(['map', 'reduce', 'unknown']);
  });
});
