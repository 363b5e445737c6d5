// listCustomJobs as Vertex answers it: the filter of ListCustomJobsRequest (its proto comment
// lists what it supports: display_name with =, != and the : wildcard, state with = and !=,
// create_time compared in RFC 3339, labels.key=value and labels.key:*, joined with AND, OR and
// NOT), newest jobs first, pages of page_size (default 100, at most 1000) with opaque page tokens
// bound to the query they came from, and read_mask to pick fields. A filter it cannot read or that
// names anything else is INVALID_ARGUMENT, as Vertex answers one.
import { randomBytes } from 'node:crypto';
import type { CustomJob, JobState } from './customJobs';
import {
  type Comparison,
  FilterSyntaxError,
  compareValues,
  compileTree,
  parseFilter,
  wildcardMatch,
} from './filterSyntax';
import { type GoogleReply, googleError } from './googleErrors';
import { parseTimestamp } from './googleTime';
import { enumNames, V1 } from './protoModel';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface ListQuery {
  readonly parent: string;
  readonly filter?: string;
  readonly pageSize?: string;
  readonly pageToken?: string;
  readonly readMask?: string;
}

interface PageCursor {
  /** parent, filter and read mask: a token works only for the query it came from. */
  readonly query: string;
  /** The last job handed out. */
  readonly after: { readonly createTime: bigint; readonly id: string };
}

export class ListPageTokens {
  private readonly tokens = new Map<string, PageCursor>();

  issue(cursor: PageCursor): string {
    const token = randomBytes(18).toString('base64url');
    this.tokens.set(token, cursor);
    return token;
  }

  get(token: string): PageCursor | undefined {
    return this.tokens.get(token);
  }
}

class FilterError extends Error {}

type JobPredicate = (job: CustomJob) => boolean;

const invalidFilter = (filter: string, why: string): GoogleReply =>
  googleError('INVALID_ARGUMENT', `Invalid filter "${filter}": ${why}`);

/** One page of jobs (already of the parent), newest first, or the refusal. */
export function listJobs(
  jobs: readonly CustomJob[],
  query: ListQuery,
  tokens: ListPageTokens,
): { page: CustomJob[]; nextPageToken?: string } | GoogleReply {
  let matches: JobPredicate;
  try {
    matches = compileFilter(query.filter ?? '');
  } catch (error) {
    const reason =
      error instanceof FilterSyntaxError ? `${error.message} at column ${error.column}` : (error as Error).message;
    if (error instanceof FilterSyntaxError || error instanceof FilterError) return invalidFilter(query.filter!, reason);
    throw error;
  }
  const size = query.pageSize === undefined ? 0 : Number(query.pageSize);
  if (!Number.isInteger(size) || size < 0) {
    return googleError('INVALID_ARGUMENT', `Invalid value at 'page_size' (TYPE_INT32), "${query.pageSize}"`);
  }
  const queryKey = JSON.stringify([query.parent, query.filter ?? '', query.readMask ?? '']);
  let after: PageCursor['after'] | undefined;
  if (query.pageToken) {
    const cursor = tokens.get(query.pageToken);
    if (!cursor || cursor.query !== queryKey) {
      return googleError(
        'INVALID_ARGUMENT',
        'Invalid page token: it was not issued for this parent, filter and read mask. Start again without page_token.',
      );
    }
    after = cursor.after;
  }
  const ordered = jobs
    .filter(matches)
    .sort((a, b) => compareNewestFirst(a.createTime, a.id, b.createTime, b.id))
    .filter((job) => !after || compareNewestFirst(job.createTime, job.id, after.createTime, after.id) > 0);
  const page = ordered.slice(0, Math.min(size || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
  if (ordered.length === page.length) return { page };
  const last = page.at(-1)!;
  return {
    page,
    nextPageToken: tokens.issue({ query: queryKey, after: { createTime: last.createTime, id: last.id } }),
  };
}

/** Negative when (timeA, idA) comes first in newest-first order. */
function compareNewestFirst(timeA: bigint, idA: string, timeB: bigint, idB: string): number {
  if (timeA !== timeB) return timeA > timeB ? -1 : 1;
  return idA === idB ? 0 : idA > idB ? -1 : 1;
}

function compileFilter(text: string): JobPredicate {
  const tree = parseFilter(text);
  return tree ? compileTree(tree, compileComparison) : () => true;
}

const JOB_STATES = new Set(enumNames(`${V1}.JobState`));

function compileComparison(node: Comparison): JobPredicate {
  const [field, ...rest] = node.member;
  const { op, value } = node;
  const refuse = (why: string): never => {
    throw new FilterError(why);
  };
  const onlyOps = (ops: readonly string[]) => {
    if (!ops.includes(op)) refuse(`${node.member.join('.')} supports ${ops.join(', ')}, not ${op}`);
  };
  if (field === 'labels' && rest.length === 0) {
    onlyOps([':']);
    return (job) => Object.hasOwn(job.labels, value);
  }
  if (field === 'labels' && rest.length === 1) {
    const key = rest[0]!;
    if (op === ':' && value === '*' && !node.quoted) return (job) => Object.hasOwn(job.labels, key);
    onlyOps(['=', '!=']);
    return op === '=' ? (job) => job.labels[key] === value : (job) => job.labels[key] !== value;
  }
  if (rest.length > 0) refuse(`unsupported field ${node.member.join('.')}`);
  switch (field) {
    case 'display_name':
      onlyOps(['=', '!=', ':']);
      if (op === ':') return (job) => wildcardMatch(value, job.displayName);
      return op === '=' ? (job) => job.displayName === value : (job) => job.displayName !== value;
    case 'state': {
      onlyOps(['=', '!=']);
      if (!JOB_STATES.has(value)) refuse(`"${value}" is not a JobState (JOB_STATE_RUNNING, JOB_STATE_SUCCEEDED...)`);
      const state = value as JobState;
      return op === '=' ? (job) => job.state === state : (job) => job.state !== state;
    }
    case 'create_time': {
      onlyOps(['=', '!=', '<', '<=', '>', '>=']);
      const time = parseTimestamp(value);
      if (time === undefined) return refuse(`create_time must be in RFC 3339 format, not "${value}"`);
      return (job) => compareValues(job.createTime, op, time);
    }
    default:
      return refuse(`unsupported field ${field}: use display_name, state, create_time or labels`);
  }
}

/** read_mask: only the named fields (lowerCamel paths, dotted for nested ones) of each job. */
export function applyReadMask(resource: Record<string, unknown>, mask: string | undefined): Record<string, unknown> {
  if (!mask) return resource;
  const out: Record<string, unknown> = {};
  for (const fieldPath of mask.split(',')) {
    let source: unknown = resource;
    let target = out;
    const segments = fieldPath.split('.');
    segments.forEach((segment, i) => {
      if (typeof source !== 'object' || source === null) return;
      const next = (source as Record<string, unknown>)[segment];
      if (next === undefined) return;
      if (i === segments.length - 1) target[segment] = next;
      else target = (target[segment] ??= {}) as Record<string, unknown>;
      source = next;
    });
  }
  return out;
}
