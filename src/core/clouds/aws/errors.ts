// What an AWS SDK failure means for the user, for every AWS call a connection test makes.
import { explainNetworkFailure } from '../shared/networkErrors';

export interface AwsCall {
  /** The service as users know it: "SageMaker", "ECR". */
  readonly service: string;
  /** The IAM action the call needs, e.g. "sagemaker:ListTrainingJobs". */
  readonly action: string;
  readonly region: string;
  /** Where the region came from, when not from the component (S3 stores take AWS_REGION). */
  readonly regionFrom?: string;
  /** The shared-config profile the credentials were looked up with, when the component names one. */
  readonly profile?: string;
}

export function explainAwsError(error: Error & { code?: string }, call: AwsCall): string {
  switch (error.name) {
    case 'CredentialsProviderError':
      return call.profile
        ? `No AWS credentials for profile "${call.profile}" (region ${call.region}): run "aws sso login --profile ${call.profile}" for an SSO profile, or "aws configure --profile ${call.profile}". ${error.message}`
        : 'No AWS credentials found: configure them (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).';
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
      return `AWS does not recognise the access key: ${error.message}`;
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
      return `AWS rejected the request signature (a wrong secret key, or a key for another region): ${error.message}`;
    case 'AccessDeniedException':
      return `Permission denied: the identity may not call ${call.action} in ${call.region}. ${error.message}`;
    case 'ExpiredTokenException':
      return `The AWS session token has expired: log in again. ${error.message}`;
    default:
      return (
        explainNetworkFailure(
          error,
          `${call.service} in region "${call.region}"`,
          `check the ${call.regionFrom ?? 'region name'}`,
        ) ?? `${call.service} answered ${error.name}: ${error.message}`
      );
  }
}
