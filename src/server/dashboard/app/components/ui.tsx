import type { ComponentChildren } from 'preact';
import { ApiError } from '../lib/api.js';

export function Page({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {subtitle && <p class="subtitle">{subtitle}</p>}
      </header>
      {children}
    </section>
  );
}

export function Card({
  title,
  children,
  actions,
}: {
  title?: ComponentChildren;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <div class="card">
      {(title || actions) && (
        <div class="card-header">
          {title && <h2>{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </div>
  );
}

export function Stat({
  label,
  value,
  detail,
  tone,
}: {
  label: string;
  value: string;
  detail?: string;
  tone?: 'bad' | 'warn';
}) {
  return (
    <div class={`stat${tone ? ` ${tone}` : ''}`}>
      <div class="stat-label">{label}</div>
      <div class="stat-value" data-stat={label}>
        {value}
      </div>
      {detail && <div class="stat-detail">{detail}</div>}
    </div>
  );
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

export function ErrorBox({ error }: { error: Error }) {
  const status = error instanceof ApiError ? error.status : undefined;
  return (
    <div class="error-box" role="alert">
      <strong>{status === 404 ? 'Not found' : status === 401 ? 'Token needed' : 'Could not load this page'}</strong>
      <span>{error.message}</span>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.replace(/[^a-z]/g, '')}`}>{status}</span>;
}

/**
 * Text recorded from a model or a user, shown as text: Preact writes it as a text node, never as
 * markup. Bidi isolation keeps an RTL override inside it from reordering the text around it.
 */
export function Text({ value, class: className }: { value: string | null | undefined; class?: string }) {
  if (value === null || value === undefined || value === '') return <span class="muted">—</span>;
  return (
    <bdi class={className} title={value.length <= 500 ? value : undefined}>
      {value}
    </bdi>
  );
}

/** A block of recorded text (a prompt, a response, JSON): whitespace kept, long lines wrapped. */
export function TextBlock({ value, label }: { value: string; label?: string }) {
  return (
    <pre class="text-block" aria-label={label}>
      {value}
    </pre>
  );
}

export function KeyValues({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
