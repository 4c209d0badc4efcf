import type { AuditRecord } from './core/audit-record.js';
import type { AuditCheckpoint } from './core/checkpoint-signer.js';
import type { AuditQuery, AuditStore } from './store.js';

export type ExportFormat = 'jsonl' | 'csv';

const csvColumns = [
  'seq',
  'id',
  'time',
  'actor_kind',
  'actor_id',
  'actor_ip',
  'actor_user_agent',
  'actor_api_key_id',
  'action',
  'target_type',
  'target_id',
  'outcome',
  'severity',
  'environment',
  'request_id',
  'risk',
  'details',
  'hash',
] as const;

/**
 * RFC 4180 quoting, and a leading apostrophe before `= + - @` and control characters so
 * a spreadsheet never runs an attacker-chosen value (a user agent) as a formula (OWASP
 * "CSV injection"). JSONL is the verifiable format; CSV is for reading.
 */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(r: AuditRecord): string {
  const cells: (string | number | null)[] = [
    r.seq,
    r.id,
    new Date(r.time).toISOString(),
    r.actor.kind,
    r.actor.id,
    r.actor.ip,
    r.actor.userAgent,
    r.actor.apiKeyId,
    r.action,
    r.target?.type ?? null,
    r.target?.id ?? null,
    r.outcome,
    r.severity,
    r.environment,
    r.requestId,
    r.risk,
    JSON.stringify(r.details),
    r.hash,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * A JSONL record line carries the fields of the canonical record (time in ms), so an
 * unfiltered export can be re-hashed offline and checked against the final checkpoint.
 */
function jsonlLine(r: AuditRecord): string {
  const { detailsJson: _cached, ...record } = r;
  return `${JSON.stringify({ type: 'record', ...record })}\n`;
}

function checkpointLine(format: ExportFormat, c: AuditCheckpoint | undefined): string {
  const fields = c
    ? {
        type: 'checkpoint',
        seq: c.seq,
        hash: c.hash,
        time: c.time,
        kind: c.kind,
        keyId: c.keyId,
        publicKey: c.publicKey,
        signature: c.signature,
      }
    : { type: 'checkpoint', seq: 0 };
  return format === 'jsonl'
    ? `${JSON.stringify(fields)}\n`
    : `# checkpoint ${JSON.stringify(fields)}\r\n`;
}

/**
 * Streams the records matching `filter` up to the checkpoint taken when the export began,
 * in sequence order, page by page, then that checkpoint as the final line.
 */
export async function* exportAuditRecords(
  store: AuditStore,
  filter: Omit<AuditQuery, 'order' | 'limit' | 'afterSeq' | 'maxSeq'>,
  format: ExportFormat,
  checkpoint: AuditCheckpoint | undefined,
  pageSize = 1000,
): AsyncGenerator<string> {
  if (format === 'csv') yield `${csvColumns.join(',')}\r\n`;
  if (checkpoint) {
    let afterSeq = 0;
    for (;;) {
      const page = await store.query({
        ...filter,
        order: 'asc',
        limit: pageSize,
        afterSeq,
        maxSeq: checkpoint.seq,
      });
      let chunk = '';
      for (const r of page) chunk += format === 'jsonl' ? jsonlLine(r) : csvLine(r);
      if (chunk) yield chunk;
      const last = page[page.length - 1];
      if (!last || page.length < pageSize) break;
      afterSeq = last.seq;
    }
  }
  yield checkpointLine(format, checkpoint);
}
