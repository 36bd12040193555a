import { create } from '@bufbuild/protobuf';
import { JobSpecSchema, ReadResultsRequestSchema, ResultFormat } from '@weft/proto';
import { checkJobSpec, checkReadResults, checkRegexSafety, type RequestLimits } from './request-limits.js';

const limits: RequestLimits = {
  messageBytes: 1024, inlineRecords: 3, inputs: 2, paramLength: 10, regexLength: 20, pageSize: 10, resultLimit: 10, watchesPerCaller: 1, uploadBytes: 10,
};

const messageOf = (fn: () => void): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('checkRegexSafety', () => {
  it.each(['abc', '^a+b$', '(ab)+', '(a+)?b', '[(+)]+', '\\(a+\\)+', 'a{2,3}b*', '(?:foo)bar+', 'x(?=a+)'])('accepts %s', (pattern) => {
    expect(messageOf(() => checkRegexSafety(pattern, 'p', limits))).toBe('accepted');
  });

  it.each(['(a+)+', '(a*)*', '(a|aa)*', '(\\w+\\s?)*$', '((ab)*)+', '(a+){2,}', '(a)\\1', '(?<x>a)\\k<x>'])('refuses %s', (pattern) => {
    expect(messageOf(() => checkRegexSafety(pattern, 'p', limits))).toBe(
      'p has a repeated group containing a quantifier or alternation, or a backreference (catastrophic backtracking); rewrite it',
    );
  });

  it('names the length limit', () => {
    expect(messageOf(() => checkRegexSafety('a'.repeat(21), 'p', limits))).toBe('p is 21 characters long; the limit is 20 (GATEWAY_MAX_REGEX_LENGTH)');
  });
});

describe('checkJobSpec', () => {
  const inline = (records: string[]) => ({ source: { case: 'inline' as const, value: { records } } });

  it('names each limit it enforces', () => {
    const cases = [
      create(JobSpecSchema, { function: 'wordcount', inputs: [inline(['a']), inline(['a']), inline(['a'])] }),
      create(JobSpecSchema, { function: 'wordcount', inputs: [inline(['a', 'b']), inline(['c', 'd'])] }),
      create(JobSpecSchema, { function: 'wordcount', params: { x: 'y'.repeat(11) }, inputs: [inline(['a'])] }),
      create(JobSpecSchema, { function: 'wordcount', inputs: [{ source: { case: 'file', value: { path: `/${'p'.repeat(11)}` } } }] }),
      create(JobSpecSchema, { function: 'grep', params: { pattern: '(a+)+' }, inputs: [inline(['a'])] }),
      create(JobSpecSchema, { function: 'wordcount', params: { pattern: '(a+)+' }, inputs: [inline(['a'])] }),
    ];
    expect(cases.map((spec) => messageOf(() => checkJobSpec(spec, limits)))).toEqual([
      'spec.inputs has 3 inputs; the limit is 2 (GATEWAY_MAX_INPUTS)',
      'spec.inputs carries 4 inline records; the limit is 3 (GATEWAY_MAX_INLINE_RECORDS)',
      'spec.params.x is 11 characters long; the limit is 10 (GATEWAY_MAX_PARAM_LENGTH)',
      'spec.inputs[0].file.path is 12 characters long; the limit is 10 (GATEWAY_MAX_PARAM_LENGTH)',
      'spec.params.pattern has a repeated group containing a quantifier or alternation, or a backreference (catastrophic backtracking); rewrite it',
      'accepted',
    ]);
  });
});

describe('checkReadResults', () => {
  it('names the limit, the offset and an unknown format', () => {
    const cases = [
      create(ReadResultsRequestSchema, { jobId: 'j', limit: 11n }),
      create(ReadResultsRequestSchema, { jobId: 'j', offset: 2n ** 53n }),
      create(ReadResultsRequestSchema, { jobId: 'j', format: 7 as ResultFormat }),
      create(ReadResultsRequestSchema, { jobId: 'j', limit: 10n, format: ResultFormat.DELIMITED }),
      create(ReadResultsRequestSchema, { jobId: 'j', format: ResultFormat.RECORDS }),
      create(ReadResultsRequestSchema, { jobId: 'j' }),
    ];
    expect(cases.map((request) => messageOf(() => checkReadResults(request, limits)))).toEqual([
      'limit is 11; the limit is 10 (GATEWAY_MAX_RESULT_LIMIT)',
      'offset must be at most 9007199254740991',
      'format is 7; expected RESULT_FORMAT_RECORDS or RESULT_FORMAT_DELIMITED',
      'accepted',
      'accepted',
      'accepted',
    ]);
  });
});
