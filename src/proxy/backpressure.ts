import type { IncomingMessage, ServerResponse } from 'node:http';

/** Writes with backpressure: a slow client pauses the upstream instead of filling memory. */
export function write(response: ServerResponse, answer: IncomingMessage, chunk: Buffer): void {
  if (!response.write(chunk) && !answer.isPaused()) {
    answer.pause();
    response.once('drain', () => answer.resume());
  }
}
