/**
 * Character counts of prompts and responses, so logs can say how big content was without
 * carrying it: logs hold metadata, never sensitive content.
 */

/**
 * Characters of text in a message list: string contents and the `text` of content parts
 * (OpenAI, Anthropic and Gemini shapes). Images and other binary parts count as zero.
 *
 * @example
 * textLength([{ role: 'user', content: 'Hello' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }] }]); // 7
 */
export function textLength(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object' || depth > 6) return 0;
  if (Array.isArray(value)) {
    let total = 0;
    for (const item of value) total += textLength(item, depth + 1);
    return total;
  }
  const object = value as Record<string, unknown>;
  if (typeof object.text === 'string') return object.text.length;
  if (object.content !== undefined) return textLength(object.content, depth + 1);
  if (Array.isArray(object.parts)) return textLength(object.parts, depth + 1);
  return 0;
}
