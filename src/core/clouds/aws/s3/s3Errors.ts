// What an S3 failure means, for the connection check and the store client alike: S3's own
// refusals (a missing bucket, an unknown key, a denied action) first, then what every AWS call
// shares (aws/errors.ts).
import { explainAwsError } from '../errors';

export interface S3Call {
  /** The store path or object URI, e.g. s3://bucket/prefix. */
  readonly where: string;
  readonly region: string;
  /** What was refused, as "the identity may not ...": "read", "write and delete objects in". */
  readonly doing: string;
  /** The IAM actions that allow it, e.g. ['s3:GetObject']. */
  readonly needs: readonly string[];
  /** Said after the actions when a denial has a less obvious reason. */
  readonly note?: string;
}

export function explainS3Error(error: Error, call: S3Call): string {
  switch (error.name) {
    case 'NoSuchBucket':
      return `The bucket of ${call.where} does not exist: create it, or fix the path.`;
    case 'InvalidAccessKeyId':
      return `AWS does not recognise the access key: ${error.message}`;
    case 'AccessDenied':
      return `Permission denied: the identity may not ${call.doing} ${call.where} (needs ${call.needs.join(' and ')}${call.note ? `; ${call.note}` : ''}).`;
    default:
      return explainAwsError(error, {
        service: 'S3',
        action: call.needs[0]!,
        region: call.region,
        regionFrom: 'network, and AWS_REGION (S3 is reached through it, then follows the bucket)',
      });
  }
}
