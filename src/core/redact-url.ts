/** `scheme://user:secret@host/...` -> `scheme://***@host/...`: connection URLs in messages never show credentials. */
export function redactUrlCredentials(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
