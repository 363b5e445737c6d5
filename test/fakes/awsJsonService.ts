// The parts every strict AWS fake shares: the awsJson1_1 protocol (POST / with X-Amz-Target), a
// SigV4 signature verified with the request's own signed headers (an unknown key, a wrong secret
// or a signature for another region or service fail as AWS fails them), and IAM-style
// permissions per identity ("service:Operation"), and, given AWS's model of the service
// (aws/serviceModel.ts), every request validated as AWS validates it before a handler sees it.
// Each service fake adds its operations.
import type http from 'node:http';
import type { ServiceModel } from './aws/serviceModel';
import { type FakeListen, startLoopbackServer } from './loopbackServer';
import { parseSigV4, sigV4Matches } from './sigv4';
import { AWS_JSON_WIRE, awsJsonOperation } from './wireFaults';

export interface FakeAccount {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Actions the identity may call, e.g. "sagemaker:ListTrainingJobs". */
  readonly allowed: readonly string[];
  /** The AWS account the identity belongs to (ARNs, ECR hosts); default 123456789012. */
  readonly accountId?: string;
}

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const accountIdOf = (account: FakeAccount): string => account.accountId ?? DEFAULT_ACCOUNT_ID;

export type AwsReply = [status: number, body: unknown];

export interface AwsJsonServiceSpec {
  /** The SigV4 signing name, which is also the IAM action prefix: "sagemaker", "ecr". */
  readonly service: string;
  /** X-Amz-Target prefix: "SageMaker", "AmazonEC2ContainerRegistry_V20150921". */
  readonly targetPrefix: string;
  readonly region: string;
  readonly accounts: readonly FakeAccount[];
  /** Operation name -> handler, called once the caller is authenticated and permitted (and the input valid). */
  readonly operations: Readonly<
    Record<string, (input: Record<string, unknown>, account: FakeAccount) => AwsReply | Promise<AwsReply>>
  >;
  /**
   * AWS's model of the service: each input is validated against it before its handler runs (the
   * handler may then rely on the model's types and constraints), and an operation it lacks is unknown.
   */
  readonly model?: ServiceModel;
  readonly listen?: FakeListen;
}

export interface FakeAwsService {
  readonly endpoint: string;
  readonly requests: { target: string; body: unknown }[];
  close(): Promise<void>;
}

export const awsError = (status: number, type: string, message: string): AwsReply => [
  status,
  { __type: type, message },
];

export async function startFakeAwsJsonService(spec: AwsJsonServiceSpec): Promise<FakeAwsService> {
  const { region, accounts } = spec;
  const requests: FakeAwsService['requests'] = [];
  const server = await startLoopbackServer(
    async (req, body) => {
      const [status, reply] = await handle(req, body.toString('utf8'));
      return { status, body: JSON.stringify(reply), headers: { 'content-type': 'application/x-amz-json-1.1' } };
    },
    { ...spec.listen, service: spec.service, wire: AWS_JSON_WIRE, operationOf: awsJsonOperation },
  );
  const fail = awsError;

  async function handle(req: http.IncomingMessage, body: string): Promise<AwsReply> {
    if (req.method !== 'POST' || req.url !== '/') return fail(404, 'UnknownOperationException', 'Unknown operation');
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') {
      return fail(400, 'SerializationException', 'Content-Type must be application/x-amz-json-1.1');
    }
    const auth = parseSigV4(req.headers.authorization);
    if (!auth) return fail(400, 'MissingAuthenticationTokenException', 'Request is missing Authentication Token');
    const keyId = auth.keyId;
    const account = accounts.find((a) => a.accessKeyId === keyId);
    if (!account)
      return fail(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (auth.service !== spec.service || auth.region !== region) {
      return fail(
        403,
        'InvalidSignatureException',
        `Credential should be scoped to a valid region, not '${auth.region}'.`,
      );
    }
    if (!(await sigV4Matches(req, body, auth, account))) {
      return fail(
        403,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return fail(400, 'SerializationException', 'Malformed JSON');
    }
    requests.push({ target, body: input });
    const operation = target.startsWith(`${spec.targetPrefix}.`) ? target.slice(spec.targetPrefix.length + 1) : '';
    const handler = Object.hasOwn(spec.operations, operation) ? spec.operations[operation] : undefined;
    if (!handler || (spec.model && !spec.model.hasOperation(operation))) {
      return fail(400, 'UnknownOperationException', `Unknown operation ${target}`);
    }
    const action = `${spec.service}:${operation}`;
    if (!account.allowed.includes(action)) {
      return fail(
        400,
        'AccessDeniedException',
        `User: arn:aws:iam::${accountIdOf(account)}:user/${keyId} is not authorized to perform: ${action}`,
      );
    }
    const invalid = spec.model?.validate(operation, input);
    if (invalid) return fail(400, invalid.type, invalid.message);
    return handler(input, account);
  }

  return {
    endpoint: server.url,
    requests,
    close: () => server.close(),
  };
}
