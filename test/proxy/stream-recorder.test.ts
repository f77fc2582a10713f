import { describe, expect, it } from 'vitest';
import { PASS, type StreamAccumulator, type StreamOutcome } from '../../src/capture/stream-capture.js';
import type { Problem } from '../../src/core/problem-reporter.js';
import { StreamRecorder } from '../../src/proxy/stream-recorder.js';
import { onlyRecord, testLedger } from '../capture/capture-harness.js';

/**
 * The proxy records streams from its connections' event callbacks, where a throw would end the
 * process. The readers no longer throw on anything the wire sends (see the upstream fuzz suite),
 * so the recorder's own guard is tested with a reader made to throw: a defect of ours to come.
 */
function throwingAccumulator(at: 'add' | 'outcome'): StreamAccumulator<unknown> {
  return {
    add: () => {
      if (at === 'add') throw new Error('reader defect in add');
      return PASS;
    },
    outcome: (): StreamOutcome => {
      if (at === 'outcome') throw new Error('reader defect in outcome');
      return {
        responseMessage: null,
        responseModel: null,
        finishReason: null,
        tokens: undefined,
        usageComplete: false,
        finished: true,
        outputText: '',
        reasoningText: '',
        error: undefined,
      };
    },
  };
}

describe('the proxy stream recorder', () => {
  it.each(['add', 'outcome'] as const)(
    'never throws when reading fails in %s: the problem is reported and the call ends failed, once',
    async (at) => {
      const problems: Problem[] = [];
      const ledger = testLedger({ onError: (problem) => problems.push(problem) });
      const call = ledger.start({ provider: 'openai', model: 'gpt-4o-mini', messages: [] });
      const recorder = new StreamRecorder(call, throwingAccumulator(at), ledger);
      expect(recorder.add({ choices: [] })).toBe(PASS);
      expect(() => recorder.end()).not.toThrow();
      expect(() => recorder.fail(new Error('later'))).not.toThrow();
      expect(() => recorder.cancel(new Error('later still'))).not.toThrow();
      expect(problems.map((problem) => [problem.kind, (problem.error as Error).message])).toEqual([
        ['internal', `reader defect in ${at}`],
      ]);
      expect(await onlyRecord(ledger)).toMatchObject({ status: 'error', errorMessage: `reader defect in ${at}` });
      await ledger.close();
    },
  );
});
