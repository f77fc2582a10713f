/** Where the runs of a LangChain tree go in the ledger: one trace, and the record to hang under. */
export interface TracePlace {
  traceId: string;
  /** The nearest recorded ancestor, or the surrounding call; null at the top of the trace. */
  parentId: string | null;
}

interface RunNode extends TracePlace {
  /** The record this run produces (model runs only). */
  recordId: string | undefined;
}

/**
 * Maps LangChain run ids (`runId`, `parentRunId`) onto traces: every run under one root shares a
 * trace id, and a model run's parent is the nearest ancestor run that has a record (chains, tools
 * and retrievers have none, so usually the surrounding call or nothing). A run is forgotten when it
 * ends; its children have all started by then.
 */
export class RunTree {
  private readonly nodes = new Map<string, RunNode>();

  /** @param origin Where a root run goes: an explicit trace, or undefined to use LangChain's root run id. */
  constructor(private readonly origin: () => Partial<TracePlace> | undefined) {}

  /** Registers a starting run and returns where it goes. */
  enter(runId: string, parentRunId: string | undefined): TracePlace {
    const parent = parentRunId === undefined ? undefined : this.nodes.get(parentRunId);
    let place: TracePlace;
    if (parent) {
      place = { traceId: parent.traceId, parentId: parent.recordId ?? parent.parentId };
    } else {
      const origin = this.origin();
      // A parent run we never saw (the handler was attached below the root) still names the tree.
      place = origin?.traceId
        ? { traceId: origin.traceId, parentId: origin.parentId ?? null }
        : { traceId: parentRunId ?? runId, parentId: null };
    }
    this.nodes.set(runId, { ...place, recordId: undefined });
    return place;
  }

  /** Marks the run as recorded: runs below it become children of `recordId`. */
  recorded(runId: string, recordId: string): void {
    const node = this.nodes.get(runId);
    if (node) node.recordId = recordId;
  }

  leave(runId: string): void {
    this.nodes.delete(runId);
  }

  clear(): void {
    this.nodes.clear();
  }

  get size(): number {
    return this.nodes.size;
  }
}
