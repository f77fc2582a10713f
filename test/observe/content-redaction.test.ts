import { describe, expect, it } from 'vitest';
import { createLogHandler, type LogHandlerOptions } from '../../src/observe/logging/log-handler.js';
import { Redactor } from '../../src/observe/shared/redaction.js';
import { LineSink, ManualClock, observedLedger } from './support.js';

const API_KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234';
const BEARER = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const EMAIL = 'ada.lovelace@example.com';
const TICKET = 'ACME-123456';
const PROMPT = `My key is ${API_KEY}, header "Authorization: ${BEARER}", mail me at ${EMAIL} about ${TICKET}.`;
const REPLY = `Noted, I will write to ${EMAIL}.`;

async function logOneCall(content: LogHandlerOptions): Promise<LineSink> {
  const sink = new LineSink();
  const clock = new ManualClock();
  const ledger = observedLedger([createLogHandler({ destination: sink, level: 'debug', env: {}, ...content })], {
    clock,
  });
  const call = ledger.start({
    provider: 'openai',
    model: 'gpt-4o',
    systemPrompt: `You assist ${EMAIL}.`,
    messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }],
  });
  clock.advance(10);
  call.complete({ responseMessage: REPLY, tokens: { input: 40, output: 8 } });
  await ledger.close();
  return sink;
}

describe('content logging', () => {
  it('logs lengths, never content, by default', async () => {
    const sink = await logOneCall({});
    for (const secret of [API_KEY, 'eyJhbGciOiJIUzI1NiJ9', EMAIL, TICKET, 'My key is', 'Noted']) {
      expect(sink.text).not.toContain(secret);
    }
    const completed = sink.byEvent('inference_completed')[0]!;
    expect(completed).not.toHaveProperty('prompt');
    expect(completed).not.toHaveProperty('response');
    expect(completed).not.toHaveProperty('system_prompt');
    expect(completed).toMatchObject({
      prompt_length: PROMPT.length + `You assist ${EMAIL}.`.length,
      response_length: REPLY.length,
    });
    expect(sink.byEvent('inference_started')[0]).toMatchObject({ message_count: 1 });
  });

  it('redacts API keys, bearer tokens, emails and custom patterns when enabled', async () => {
    const sink = await logOneCall({ content: { enabled: true, patterns: [/\bACME-\d{6}\b/] } });
    for (const secret of [API_KEY, 'eyJhbGciOiJIUzI1NiJ9', EMAIL, TICKET]) expect(sink.text).not.toContain(secret);
    const started = sink.byEvent('inference_started')[0]!;
    const completed = sink.byEvent('inference_completed')[0]!;
    const expectedPrompt = [
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: 'My key is [REDACTED_API_KEY], header "Authorization: Bearer [REDACTED]", mail me at [REDACTED_EMAIL] about [REDACTED].',
          },
        ],
      },
    ];
    expect(started.prompt).toEqual(expectedPrompt);
    expect(completed.prompt).toEqual(expectedPrompt);
    expect(completed.system_prompt).toBe('You assist [REDACTED_EMAIL].');
    expect(completed.response).toBe('Noted, I will write to [REDACTED_EMAIL].');
  });

  it('keeps only custom patterns when the defaults are turned off', () => {
    const redactor = new Redactor({ defaults: false, patterns: [{ pattern: /secret/i, replacement: '***' }] });
    expect(redactor.text(`Secret and secret, ${EMAIL}`)).toBe(`*** and ***, ${EMAIL}`);
  });

  it('cuts long content after redacting it', () => {
    const redactor = new Redactor({ maxChars: 20 });
    expect(redactor.text(`${'a'.repeat(15)} ${EMAIL}`)).toBe(`${'a'.repeat(15)} [RED…[12 more chars]`);
    expect(new Redactor().text('Google key AIzaSyA1234567890abcdefghijklmnopqrstuv')).toBe(
      'Google key [REDACTED_API_KEY]',
    );
  });
});
