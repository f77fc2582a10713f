import { useState } from 'preact/hooks';
import { Card, ErrorBox, Loading, Page, Stat, StatusBadge, Text } from '../components/ui.js';
import { apiUrl, useApi, type CallRecord } from '../lib/api.js';
import { formatInt, formatMoney, formatMs, sumMoney } from '../lib/format.js';
import { href, navigate } from '../lib/route.js';

type TraceAnswer = { traceId: string; records: CallRecord[] };

interface TraceNode {
  record: CallRecord;
  children: TraceNode[];
  depth: number;
}

/** Parent/child tree; a call whose parent is not in the trace is a root, so nothing is hidden. */
export function buildTree(records: CallRecord[]): TraceNode[] {
  const byId = new Map(records.map((record) => [record.id, { record, children: [], depth: 0 } as TraceNode]));
  const roots: TraceNode[] = [];
  for (const node of byId.values()) {
    const parent = node.record.parentId ? byId.get(node.record.parentId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: TraceNode, b: TraceNode) =>
    a.record.startedAt < b.record.startedAt ? -1 : a.record.startedAt > b.record.startedAt ? 1 : 0;
  const flatten: TraceNode[] = [];
  const visit = (node: TraceNode, depth: number, seen: Set<TraceNode>) => {
    if (seen.has(node)) return;
    seen.add(node);
    node.depth = depth;
    flatten.push(node);
    node.children.sort(byStart).forEach((child) => visit(child, depth + 1, seen));
  };
  const seen = new Set<TraceNode>();
  roots.sort(byStart).forEach((root) => visit(root, 0, seen));
  // A parent cycle (bad data) leaves nodes unvisited: show them as roots rather than drop them.
  for (const node of byId.values()) if (!seen.has(node)) visit(node, 0, seen);
  return flatten;
}

export function TracePage({ traceId }: { traceId: string | undefined }) {
  const [draft, setDraft] = useState('');
  if (!traceId) {
    return (
      <Page title="Trace" subtitle="The tree of calls that share a trace id.">
        <Card>
          <form
            class="filters"
            onSubmit={(event) => {
              event.preventDefault();
              if (draft.trim()) navigate(href(['traces', draft.trim()]));
            }}
          >
            <label>
              <span>Trace id</span>
              <input value={draft} onInput={(event) => setDraft(event.currentTarget.value)} size={40} />
            </label>
            <div class="filter-actions">
              <button type="submit">Open</button>
            </div>
          </form>
        </Card>
      </Page>
    );
  }
  return <TraceView traceId={traceId} />;
}

function TraceView({ traceId }: { traceId: string }) {
  const loaded = useApi<TraceAnswer>(apiUrl(`traces/${encodeURIComponent(traceId)}`));
  const records = loaded.data?.records;
  return (
    <Page title="Trace" subtitle={<Text value={traceId} class="mono" />}>
      {loaded.error ? <ErrorBox error={loaded.error} /> : !records ? <Loading /> : <TraceTree records={records} />}
    </Page>
  );
}

function TraceTree({ records }: { records: CallRecord[] }) {
  const nodes = buildTree(records);
  const start = Math.min(...records.map((record) => Date.parse(record.startedAt)));
  const end = Math.max(...records.map((record) => Date.parse(record.endedAt)));
  const span = Math.max(1, end - start);
  const total = sumMoney(records.map((record) => record.cost?.total ?? null));
  const unpriced = records.filter((record) => !record.cost?.total).length;
  const errors = records.filter((record) => record.status === 'error').length;
  return (
    <>
      <div class="stats">
        <Stat label="Trace cost" value={formatMoney(total)} detail={unpriced ? `${unpriced} unpriced` : 'all priced'} />
        <Stat label="Calls" value={formatInt(records.length)} />
        <Stat label="Errors" value={formatInt(errors)} tone={errors ? 'bad' : undefined} />
        <Stat label="Duration" value={formatMs(end - start)} detail="first start to last end" />
      </div>
      <Card title="Calls">
        <div class="table-scroll">
          <table class="table trace" id="trace-tree">
            <thead>
              <tr>
                <th scope="col">Call</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Duration
                </th>
                <th scope="col" class="num">
                  Cost
                </th>
                <th scope="col" class="timeline-head">
                  Timeline
                </th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((node) => {
                const record = node.record;
                const offset = ((Date.parse(record.startedAt) - start) / span) * 100;
                const width = Math.max(0.5, (record.latencyMs / span) * 100);
                return (
                  <tr
                    key={record.id}
                    data-call-id={record.id}
                    data-parent-id={record.parentId ?? ''}
                    data-depth={node.depth}
                  >
                    <td>
                      <div class="tree-cell" style={{ paddingLeft: `${node.depth * 1.25}rem` }}>
                        {node.depth > 0 && (
                          <span class="tree-branch" aria-hidden="true">
                            └
                          </span>
                        )}
                        <a href={href(['calls', record.id])}>
                          <Text value={record.callType} />
                        </a>
                        <span class="muted small">
                          {' '}
                          <Text value={record.model} />
                        </span>
                      </div>
                    </td>
                    <td>
                      <StatusBadge status={record.status} />
                    </td>
                    <td class="num">{formatMs(record.latencyMs)}</td>
                    <td class="num">
                      {record.cost?.total ? (
                        formatMoney(record.cost.total, record.cost.currency)
                      ) : (
                        <span class="muted">unpriced</span>
                      )}
                    </td>
                    <td class="timeline">
                      <div class="timeline-track">
                        <div
                          class={`timeline-bar status-${record.status}`}
                          style={{ left: `${Math.min(99.5, offset)}%`, width: `${Math.min(100 - offset, width)}%` }}
                        />
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  Trace total
                </th>
                <td class="num">{formatMs(end - start)}</td>
                <td class="num" data-total="cost">
                  {formatMoney(total)}
                </td>
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
      </Card>
    </>
  );
}
