import { ContentView, MessageView, ToolCallView } from '../components/message-view.js';
import { Card, ErrorBox, KeyValues, Loading, Page, StatusBadge, Text, TextBlock } from '../components/ui.js';
import { apiUrl, useApi, type CallRecord } from '../lib/api.js';
import { dataText, formatInt, formatMoney, formatMs, formatTime } from '../lib/format.js';
import { href } from '../lib/route.js';

type CallAnswer = { record: CallRecord };

const TOKEN_LABELS: [string, string][] = [
  ['input', 'Input (all)'],
  ['cacheRead', 'Cache read'],
  ['cacheWrite', 'Cache write'],
  ['cacheWrite1h', 'Cache write (1 h)'],
  ['output', 'Output (all)'],
  ['reasoning', 'Reasoning'],
  ['inputAudio', 'Input audio'],
  ['cacheAudioRead', 'Cached audio'],
  ['outputAudio', 'Output audio'],
  ['inputImage', 'Input image'],
  ['audioSeconds', 'Audio seconds'],
  ['inputAudioSeconds', 'Input audio seconds'],
  ['pages', 'Pages'],
  ['annotatedPages', 'Annotated pages'],
  ['webSearches', 'Web searches'],
  ['total', 'Total'],
];

export function CallDetailPage({ id }: { id: string }) {
  const loaded = useApi<CallAnswer>(apiUrl(`calls/${encodeURIComponent(id)}`));
  const record = loaded.data?.record;
  return (
    <Page title="Call" subtitle={<Text value={id} class="mono" />}>
      {loaded.error ? <ErrorBox error={loaded.error} /> : !record ? <Loading /> : <CallDetail record={record} />}
    </Page>
  );
}

function CallDetail({ record }: { record: CallRecord }) {
  const cost = record.cost;
  const toolCalls = record.responseMessage?.toolCalls ?? [];
  const tokens = record.tokens as unknown as Record<string, number | undefined>;
  return (
    <div class="detail">
      <div class="grid-3">
        <Card title="Outcome">
          <KeyValues
            rows={[
              ['Status', <StatusBadge status={record.status} />],
              ['Model', <Text value={record.model} />],
              ['Response model', <Text value={record.responseModel} />],
              ['Provider', <Text value={record.provider} />],
              ['Call type', <Text value={record.callType} />],
              ['Finish reason', <Text value={record.finishReason} />],
              ['HTTP status', record.httpStatus === null ? <span class="muted">—</span> : String(record.httpStatus)],
              [
                'Error',
                record.errorType || record.errorMessage ? <ErrorText record={record} /> : <span class="muted">—</span>,
              ],
            ]}
          />
        </Card>
        <Card title="Timing">
          <KeyValues
            rows={[
              ['Started (UTC)', formatTime(record.startedAt)],
              ['Ended (UTC)', formatTime(record.endedAt)],
              ['Latency', formatMs(record.latencyMs)],
              ['Time to first token', formatMs(record.ttftMs)],
              ['Mode', `${record.requestMode}${record.partial ? ' (stream ended early)' : ''}`],
              ['Retry after', formatMs(record.retryAfterMs)],
            ]}
          />
        </Card>
        <Card title="Identity">
          <KeyValues
            rows={[
              [
                'Trace',
                <a href={href(['traces', record.traceId])}>
                  <Text value={record.traceId} class="mono" />
                </a>,
              ],
              [
                'Parent',
                record.parentId ? (
                  <a href={href(['calls', record.parentId])}>
                    <Text value={record.parentId} class="mono" />
                  </a>
                ) : (
                  <span class="muted">—</span>
                ),
              ],
              ['User', <Text value={record.userId} />],
              ['Tenant', <Text value={record.tenantId} />],
              ['Session', <Text value={record.sessionId} />],
              ['Request id', <Text value={record.requestId} class="mono" />],
              [
                'Tags',
                record.tags.length ? (
                  <span class="tags">
                    {record.tags.map((tag, index) => (
                      <span class="tag" key={index}>
                        <Text value={tag} />
                      </span>
                    ))}
                  </span>
                ) : (
                  <span class="muted">—</span>
                ),
              ],
            ]}
          />
        </Card>
      </div>
      <div class="grid-2">
        <Card title={`Tokens${record.tokenSource ? ` (${record.tokenSource})` : ''}`}>
          <table class="table compact" id="tokens-table">
            <tbody>
              {TOKEN_LABELS.filter(
                ([key]) =>
                  tokens[key] !== undefined && (tokens[key] !== 0 || ['input', 'output', 'total'].includes(key)),
              ).map(([key, label]) => (
                <tr key={key}>
                  <th scope="row">{label}</th>
                  <td class="num">{formatInt(tokens[key])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title="Cost">
          {!cost ? (
            <p class="muted">No cost: the call has no usage.</p>
          ) : (
            <>
              <table class="table compact" id="cost-table">
                <tbody>
                  {Object.entries(cost.breakdown).map(([bucket, amount]) => (
                    <tr key={bucket}>
                      <th scope="row">{bucket}</th>
                      <td class="num">{formatMoney(amount ?? null, cost.currency)}</td>
                    </tr>
                  ))}
                  <tr class="total-row">
                    <th scope="row">Total</th>
                    <td class="num" data-cost={cost.total ?? ''}>
                      {cost.total === null ? 'unpriced' : formatMoney(cost.total, cost.currency)}
                    </td>
                  </tr>
                </tbody>
              </table>
              <KeyValues
                rows={[
                  ['Status', <StatusBadge status={cost.status} />],
                  ['Price version', <Text value={cost.pricingVersion} class="mono" />],
                  ...(cost.pricedAs
                    ? ([['Priced as', <Text value={cost.pricedAs} />]] as [string, preact.ComponentChildren][])
                    : []),
                  ...(cost.unpricedBuckets?.length
                    ? ([['Unpriced buckets', cost.unpricedBuckets.join(', ')]] as [string, preact.ComponentChildren][])
                    : []),
                  ...(record.costHistory.length
                    ? ([
                        [
                          'Earlier costs',
                          record.costHistory
                            .map(
                              (old) =>
                                `${old.total === null ? 'unpriced' : formatMoney(old.total, old.currency)} (${old.pricingVersion ?? '?'})`,
                            )
                            .join('; '),
                        ],
                      ] as [string, preact.ComponentChildren][])
                    : []),
                ]}
              />
            </>
          )}
        </Card>
      </div>
      {record.systemPrompt !== null && (
        <Card title="System prompt">
          <div id="system-prompt">
            <TextBlock value={record.systemPrompt} label="system prompt" />
          </div>
        </Card>
      )}
      <Card title={`Messages (${formatInt(record.messages.length)})`}>
        <div id="messages">
          {record.messages.length === 0 ? (
            <p class="muted">No messages.</p>
          ) : (
            record.messages.map((message, index) => <MessageView key={index} message={message} index={index} />)
          )}
        </div>
      </Card>
      {record.tools && record.tools.length > 0 && (
        <Card title={`Tools (${formatInt(record.tools.length)})`}>
          <div id="tools">
            <TextBlock value={dataText(record.tools)} label="tools" />
            {record.toolChoice !== undefined && record.toolChoice !== null && (
              <p class="muted small">
                Tool choice: <Text value={dataText(record.toolChoice)} />
              </p>
            )}
          </div>
        </Card>
      )}
      <Card title="Response">
        <div id="response">
          {record.responseMessage ? (
            <ContentView content={record.responseMessage.content} />
          ) : (
            <p class="muted">No response was recorded.</p>
          )}
          {toolCalls.length > 0 && (
            <div id="tool-calls">
              <h3>Tool calls ({toolCalls.length})</h3>
              {toolCalls.map((call, index) => (
                <ToolCallView key={index} call={call} />
              ))}
            </div>
          )}
        </div>
      </Card>
      <div class="grid-2">
        <Card title="Parameters">
          <TextBlock value={dataText(record.params)} label="parameters" />
        </Card>
        <Card title="Metadata">
          <div id="metadata">
            {Object.keys(record.metadata).length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <TextBlock value={dataText(record.metadata)} label="metadata" />
            )}
          </div>
        </Card>
      </div>
      {record.problems && record.problems.length > 0 && (
        <Card title="Problems">
          <ul>
            {record.problems.map((problem, index) => (
              <li key={index}>
                <Text value={problem} />
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

function ErrorText({ record }: { record: CallRecord }) {
  return (
    <span class="error-text">
      {record.errorType && (
        <strong>
          <Text value={record.errorType} />
        </strong>
      )}
      {record.errorType && record.errorMessage ? ': ' : ''}
      <Text value={record.errorMessage} />
    </span>
  );
}
