// ListTrainingJobs over the emulator's jobs: the filters (NameContains, StatusEquals, creation and
// last-modified windows, WarmPoolStatusEquals), SortBy Name, CreationTime or Status in either
// order (the service's default: newest first), and pages of MaxResults (default 10, at most 100)
// linked by opaque NextTokens that stand for the last job of the page before.
import { randomBytes } from 'node:crypto';
import { type AwsReply, awsError } from '../awsJsonService';
import type { TrainingJob } from './sagemakerTrainingJobs';

const DEFAULT_PAGE = 10;

type SortKey = 'Name' | 'CreationTime' | 'Status';

/** One emulator's listing: `pageTokens` are the tokens it handed out, each standing for the position after its page. */
export function listTrainingJobs(
  jobs: readonly TrainingJob[],
  input: Record<string, unknown>,
  pageTokens: Map<string, number>,
): AwsReply {
  // The model has checked MaxResults (1 to 100).
  const max = (input.MaxResults as number | undefined) ?? DEFAULT_PAGE;
  let start = 0;
  if (input.NextToken !== undefined) {
    const position = pageTokens.get(String(input.NextToken));
    if (position === undefined) return awsError(400, 'ValidationException', 'Invalid pagination token.');
    start = position;
  }
  const listed = sorted(jobs.filter(matches(input)), (input.SortBy as SortKey) ?? 'CreationTime', input.SortOrder);
  const page = listed.slice(start, start + max);
  const more = start + page.length < listed.length;
  let NextToken: string | undefined;
  if (more) {
    NextToken = randomBytes(24).toString('base64');
    pageTokens.set(NextToken, start + page.length);
  }
  return [200, { TrainingJobSummaries: page.map((job) => job.summary()), ...(NextToken ? { NextToken } : {}) }];
}

/** Timestamps arrive as epoch seconds. */
const ms = (value: unknown): number | undefined => (typeof value === 'number' ? value * 1000 : undefined);

function matches(input: Record<string, unknown>): (job: TrainingJob) => boolean {
  const name = typeof input.NameContains === 'string' ? input.NameContains.toLowerCase() : undefined;
  const windows: [number | undefined, (job: TrainingJob) => number, 'after' | 'before'][] = [
    [ms(input.CreationTimeAfter), (j) => j.creationTime, 'after'],
    [ms(input.CreationTimeBefore), (j) => j.creationTime, 'before'],
    [ms(input.LastModifiedTimeAfter), (j) => j.lastModifiedTime, 'after'],
    [ms(input.LastModifiedTimeBefore), (j) => j.lastModifiedTime, 'before'],
  ];
  return (job) =>
    (name === undefined || job.name.toLowerCase().includes(name)) &&
    (input.WarmPoolStatusEquals === undefined || job.warmPool?.status === input.WarmPoolStatusEquals) &&
    (input.StatusEquals === undefined || job.status === input.StatusEquals) &&
    windows.every(
      ([bound, time, side]) => bound === undefined || (side === 'after' ? time(job) > bound : time(job) < bound),
    );
}

function sorted(jobs: TrainingJob[], by: SortKey, order: unknown): TrainingJob[] {
  const key = (job: TrainingJob): string | number =>
    by === 'Name' ? job.name : by === 'Status' ? job.status : job.creationTime;
  const direction = order === 'Ascending' ? 1 : -1;
  return [...jobs].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    const compared = x < y ? -1 : x > y ? 1 : a.creationTime - b.creationTime;
    return compared * direction;
  });
}
