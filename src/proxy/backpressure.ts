import type { ServerResponse } from 'node:http';
import type { UpstreamAnswer } from './plain-upstream.js';

/** Writes with backpressure: a slow client pauses the upstream instead of filling memory. */
export function write(response: ServerResponse, answer: UpstreamAnswer, chunk: Buffer): void {
  if (!response.write(chunk) && !answer.isPaused()) {
    answer.pause();
    response.once('drain', () => answer.resume());
  }
}
