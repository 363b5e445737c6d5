// Fault injection for the fakes: rules that make a fake throttle, fail with a 5xx, answer late or
// hang up on a request, so that tests and demos can watch a client retry, back off or give up.
// A rule picks requests by fake (service), by the operation name the fake gives each request, or
// by a regular expression over "METHOD /path?query"; it fires for a count of requests, for a
// fraction of them (deterministically: the first of every 1/rate), or both. loopbackServer.ts
// consults the rules before the fake sees a request, so every fake gets them.
import { z } from 'zod';

export const FAULT_KINDS = ['throttle', 'error', 'delay', 'drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const ruleShape = z
  .strictObject({
    /** The fake's name ("s3", "sagemaker", ...); absent: every fake. */
    service: z.string().min(1).optional(),
    /** The fake's operation name ("ListTrainingJobs", "PutObject"); absent or "*": any. */
    operation: z.string().min(1).optional(),
    /** A regular expression over "METHOD /path?query". */
    path: z
      .string()
      .min(1)
      .refine((source) => isRegExp(source), 'path must be a valid regular expression')
      .optional(),
    kind: z.enum(FAULT_KINDS),
    /** Fire for this many matching requests, then retire. */
    count: z.number().int().min(1).optional(),
    /** Fire for this fraction of matching requests (0 < rate <= 1). */
    rate: z.number().gt(0).max(1).optional(),
    /** Wait this long first (kind "delay": the whole fault; others: before their reply). */
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** Kind "error": the 5xx status (default 500). */
    status: z.number().int().min(500).max(599).optional(),
  })
  .refine((rule) => rule.kind !== 'delay' || rule.delayMs !== undefined, {
    message: 'a "delay" fault needs delayMs',
    path: ['delayMs'],
  })
  .refine((rule) => rule.kind === 'error' || rule.status === undefined, {
    message: 'status applies to "error" faults only',
    path: ['status'],
  });

export type FaultRule = z.infer<typeof ruleShape>;

/** A rule in force, with what it has done so far. */
export interface ActiveFault extends FaultRule {
  readonly id: number;
  /** Matching requests seen. */
  seen: number;
  /** Requests it fired on. */
  injected: number;
}

/** The request facts a rule matches on. */
export interface FaultTarget {
  readonly service: string;
  readonly operation: string;
  /** "METHOD /path?query" */
  readonly request: string;
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses one rule or a list of them (JSON text or a parsed value), or throws an error that names
 * the rule and the field that is wrong.
 */
export function parseFaultRules(input: unknown, origin: string): FaultRule[] {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new Error(`${origin} is not JSON (${(error as Error).message}); expected a fault rule or a list of them.`);
    }
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map((rule, index) => {
    const parsed = ruleShape.safeParse(rule);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'rule'}: ${i.message}`).join('; ');
    throw new Error(
      `${origin}, rule ${index + 1}: ${problems}. A rule looks like ` +
        '{"operation": "ListTrainingJobs", "kind": "throttle", "count": 2} (see test/fakes/README.md).',
    );
  });
}

export class FaultSet {
  private rules: ActiveFault[] = [];
  private nextId = 1;

  constructor(initial: readonly FaultRule[] = []) {
    this.add(initial);
  }

  add(rules: readonly FaultRule[]): ActiveFault[] {
    const added = rules.map((rule) => ({ ...rule, id: this.nextId++, seen: 0, injected: 0 }));
    this.rules.push(...added);
    return added;
  }

  clear(): void {
    this.rules = [];
  }

  list(): readonly ActiveFault[] {
    return this.rules;
  }

  /** The rule that fires for this request, if any; counts it and retires spent rules. */
  take(target: FaultTarget): ActiveFault | undefined {
    for (const rule of this.rules) {
      if (!matches(rule, target)) continue;
      rule.seen++;
      const rate = rule.rate ?? 1;
      // Fires on the 1st, (1/rate + 1)th... matching request: exact and repeatable, unlike dice.
      if (Math.ceil(rule.seen * rate) === Math.ceil((rule.seen - 1) * rate)) continue;
      rule.injected++;
      if (rule.count !== undefined && rule.injected >= rule.count) this.rules = this.rules.filter((r) => r !== rule);
      return rule;
    }
    return undefined;
  }
}

function matches(rule: FaultRule, target: FaultTarget): boolean {
  if (rule.service !== undefined && rule.service !== target.service) return false;
  if (rule.operation !== undefined && rule.operation !== '*' && rule.operation !== target.operation) return false;
  return rule.path === undefined || new RegExp(rule.path).test(target.request);
}
